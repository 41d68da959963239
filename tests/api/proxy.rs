//! A TCP proxy the test controls, put between the app's pool and PostgreSQL. `cut` closes every
//! live connection and refuses new ones (the database "goes away"); `freeze` keeps every
//! connection open but silent (a network that drops packets); `restore` closes what is left and
//! listens again on the same port (it "comes back"). Real sockets, real errors in the pool.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub struct TcpProxy {
    pub port: u16,
    target: SocketAddr,
    tasks: Arc<Mutex<Tasks>>,
    frozen: watch::Sender<bool>,
}

#[derive(Default)]
struct Tasks {
    accept: Option<JoinHandle<()>>,
    connections: Vec<JoinHandle<()>>,
}

fn listen(port: u16) -> TcpListener {
    let socket = TcpSocket::new_v4().unwrap();
    // Rebinding the same port right after a cut must not wait out TIME_WAIT.
    socket.set_reuseaddr(true).unwrap();
    socket
        .bind(SocketAddr::from(([127, 0, 0, 1], port)))
        .unwrap();
    socket.listen(128).unwrap()
}

/// Forwards both ways until the proxy freezes; then holds both sockets open, silent, until the
/// task is aborted.
async fn pipe(mut inbound: TcpStream, target: SocketAddr, mut frozen: watch::Receiver<bool>) {
    if !*frozen.borrow() {
        if let Ok(mut outbound) = TcpStream::connect(target).await {
            tokio::select! {
                _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => return,
                _ = frozen.wait_for(|frozen| *frozen) => {}
            }
            let _held = outbound;
            let _held_too = inbound;
            std::future::pending::<()>().await;
        }
        return;
    }
    let _held = inbound;
    std::future::pending::<()>().await;
}

impl TcpProxy {
    pub async fn start(target: SocketAddr) -> Self {
        let listener = listen(0);
        let port = listener.local_addr().unwrap().port();
        let proxy = Self {
            port,
            target,
            tasks: Arc::default(),
            frozen: watch::channel(false).0,
        };
        proxy.accept(listener);
        proxy
    }

    fn accept(&self, listener: TcpListener) {
        let target = self.target;
        let tasks = self.tasks.clone();
        let frozen = self.frozen.clone();
        let accept = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let connection = tokio::spawn(pipe(inbound, target, frozen.subscribe()));
                tasks.lock().unwrap().connections.push(connection);
            }
        });
        self.tasks.lock().unwrap().accept = Some(accept);
    }

    /// Drops every proxied connection and stops listening: connects are refused until `restore`.
    pub fn cut(&self) {
        let mut tasks = self.tasks.lock().unwrap();
        if let Some(accept) = tasks.accept.take() {
            accept.abort();
        }
        for connection in tasks.connections.drain(..) {
            connection.abort();
        }
    }

    /// Keeps every connection, and accepts new ones, but forwards nothing either way.
    pub fn freeze(&self) {
        self.frozen.send_replace(true);
    }

    /// Closes whatever is left and listens again on the same port, forwarding.
    pub async fn restore(&self) {
        let accept = self.tasks.lock().unwrap().accept.take();
        if let Some(accept) = accept {
            accept.abort();
            // The listener is gone only once the aborted task has been dropped.
            let _ = accept.await;
        }
        self.cut();
        self.frozen.send_replace(false);
        self.accept(listen(self.port));
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.cut();
    }
}
