//! A TCP proxy the test controls, put between the app's pool and PostgreSQL: `cut` closes every
//! live connection and refuses new ones (the database "goes away"), `restore` listens again on
//! the same port (it "comes back"). Real sockets, real errors in the pool; nothing mocked.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::JoinHandle;

pub struct TcpProxy {
    pub port: u16,
    target: SocketAddr,
    tasks: Arc<Mutex<Tasks>>,
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

impl TcpProxy {
    pub async fn start(target: SocketAddr) -> Self {
        let listener = listen(0);
        let port = listener.local_addr().unwrap().port();
        let proxy = Self {
            port,
            target,
            tasks: Arc::default(),
        };
        proxy.accept(listener);
        proxy
    }

    fn accept(&self, listener: TcpListener) {
        let target = self.target;
        let tasks = self.tasks.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let connection = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
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

    /// Listens again on the same port.
    pub fn restore(&self) {
        self.accept(listen(self.port));
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.cut();
    }
}
