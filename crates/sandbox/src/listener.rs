//! The sandbox's TCP listener, which can refuse connections: during a `refuse_connections`
//! outage the socket is closed (new connections get ECONNREFUSED) and open connections
//! read end-of-file (the client sees the connection drop), then the port is bound again.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::time::{sleep_until, Instant};

use super::faults::FaultState;

pub struct RefusingListener {
    addr: SocketAddr,
    listener: Option<TcpListener>,
    faults: Arc<FaultState>,
}

impl RefusingListener {
    pub fn bind(addr: SocketAddr, faults: Arc<FaultState>) -> io::Result<Self> {
        let listener = bind(addr)?;
        let addr = listener.local_addr()?;
        Ok(Self {
            addr,
            listener: Some(listener),
            faults,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }
}

/// Binds with SO_REUSEADDR so the same port can be taken again right after a refusal.
fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.set_nodelay(true)?;
    socket.bind(addr)?;
    socket.listen(4096)
}

impl axum::serve::Listener for RefusingListener {
    type Io = DroppableStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let faults = self.faults.clone();
        loop {
            let changed = faults.changed();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let now = Instant::now();
            if let Some(until) = faults.refusing_until(now) {
                self.listener = None;
                tokio::select! {
                    _ = sleep_until(until) => {}
                    _ = changed => {}
                }
                continue;
            }
            let Some(listener) = self.listener.as_ref() else {
                match bind(self.addr) {
                    Ok(listener) => self.listener = Some(listener),
                    Err(err) => {
                        tracing::warn!(addr = %self.addr, %err, "sandbox could not re-bind; retrying");
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
                continue;
            };
            let next_refusal = faults.next_refusal(now);
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        let _ = stream.set_nodelay(true);
                        return (DroppableStream { inner: stream, faults: faults.clone() }, peer);
                    }
                    // Out of file descriptors and the like: back off instead of spinning.
                    Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
                },
                _ = sleep_until(next_refusal.unwrap_or(now)), if next_refusal.is_some() => {}
                _ = changed => {}
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.addr)
    }
}

/// A connection that reads end-of-file while connections are being refused.
pub struct DroppableStream {
    inner: TcpStream,
    faults: Arc<FaultState>,
}

impl AsyncRead for DroppableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.faults.refusing_until(Instant::now()).is_some() {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for DroppableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
