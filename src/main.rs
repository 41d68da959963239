use clap::Parser;
use yeastar_portal::cli::{run, Cli};

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
