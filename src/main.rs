use clap::Parser;
use yeastar_portal::cli::{run, Cli};

// A page view allocates and frees many small buffers (rows, strings, the rendered page) across
// threads; glibc's malloc spent ~13 % of the server's CPU on the customer list, mimalloc a
// fraction of that.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // Before the sub-command runs, so its first line is already in the chosen format.
    yeastar_portal::telemetry::init_logging(cli.config.log_format);
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
