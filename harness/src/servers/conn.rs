//! The server core shared by the HTTP, WebSocket and sentinel servers: listeners on loopback, a
//! bounded accept loop per listener, one bounded thread per connection, and a stop that ends
//! them all (flag, socket shutdown, join) so no thread or socket outlives the server.

use super::record::{ConnectionRecord, Recording};
use super::ServerError;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often a blocked accept, read or write looks at the stop flag: the servers' stop latency.
pub(super) const POLL: Duration = Duration::from_millis(10);
/// Most connections one server accepts in its life; later ones are closed unanswered and counted.
pub const CONNECTION_CAP: u64 = 4096;
/// Most connections one server serves at once; more are closed unanswered and counted.
pub const LIVE_CAP: usize = 64;
/// Longest a connection is served; then the server closes it.
pub const CONNECTION_LIFETIME: Duration = Duration::from_secs(120);
/// Longest a server runs at all: its accept loops end by themselves after this.
pub const SERVER_LIFETIME: Duration = Duration::from_secs(3600);

pub(super) type Handler = dyn Fn(Conn) + Send + Sync;

/// State shared by a server's threads.
pub(super) struct Shared {
    stop: AtomicBool,
    next_id: AtomicU64,
    recording: Mutex<Recording>,
    live: Mutex<Vec<(u64, TcpStream)>>,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    pub(super) fn recording(&self) -> MutexGuard<'_, Recording> {
        lock(&self.recording)
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

/// One running server: its listeners, accept threads and connection threads.
pub(super) struct Server {
    shared: Arc<Shared>,
    acceptors: Vec<JoinHandle<()>>,
}

impl Server {
    /// Starts serving `listeners` with `handler`, one thread per connection.
    pub(super) fn start(
        name: &str,
        listeners: Vec<TcpListener>,
        handler: Arc<Handler>,
    ) -> Result<Server, ServerError> {
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            next_id: AtomicU64::new(1),
            recording: Mutex::new(Recording::default()),
            live: Mutex::new(Vec::new()),
            workers: Mutex::new(Vec::new()),
        });
        let mut server = Server {
            shared: shared.clone(),
            acceptors: Vec::new(),
        };
        for listener in listeners {
            listener.set_nonblocking(true).map_err(ServerError::io)?;
            let shared = shared.clone();
            let handler = handler.clone();
            let thread = std::thread::Builder::new()
                .name(format!("kit-{name}-accept"))
                .spawn(move || accept_loop(listener, shared, handler))
                .map_err(ServerError::io)?;
            server.acceptors.push(thread);
        }
        Ok(server)
    }

    pub(super) fn shared(&self) -> &Shared {
        &self.shared
    }

    /// Stops accepting, ends every connection and joins every thread.
    pub(super) fn stop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        for thread in self.acceptors.drain(..) {
            let _ = thread.join();
        }
        for (_, stream) in lock(&self.shared.live).iter() {
            let _ = stream.shutdown(Shutdown::Both);
        }
        let workers: Vec<_> = lock(&self.shared.workers).drain(..).collect();
        for worker in workers {
            let _ = worker.join();
        }
        lock(&self.shared.live).clear();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>, handler: Arc<Handler>) {
    let started = Instant::now();
    while !shared.stopped() && started.elapsed() < SERVER_LIFETIME {
        let (stream, peer) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::Interrupted => {
                std::thread::sleep(POLL);
                continue;
            }
            Err(_) => {
                std::thread::sleep(POLL);
                continue;
            }
        };
        let id = shared.next_id.fetch_add(1, Ordering::SeqCst);
        let local = stream.local_addr().unwrap_or(peer);
        shared
            .recording()
            .push_connection(ConnectionRecord { id, local, peer });
        reap_finished(&shared);
        let live = lock(&shared.live).len();
        if id > CONNECTION_CAP || live >= LIVE_CAP {
            let _ = stream.shutdown(Shutdown::Both);
            continue;
        }
        // Without a thread the connection is closed unanswered; it is recorded all the same.
        let _ = serve(stream, id, &shared, &handler);
    }
}

fn serve(
    stream: TcpStream,
    id: u64,
    shared: &Arc<Shared>,
    handler: &Arc<Handler>,
) -> io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(POLL))?;
    stream.set_write_timeout(Some(POLL))?;
    let _ = stream.set_nodelay(true);
    lock(&shared.live).push((id, stream.try_clone()?));
    let shared_for_thread = shared.clone();
    let handler = handler.clone();
    let spawned = std::thread::Builder::new()
        .name(format!("kit-conn-{id}"))
        .spawn(move || {
            let conn = Conn {
                stream,
                id,
                shared: shared_for_thread.clone(),
                deadline: Instant::now() + CONNECTION_LIFETIME,
            };
            // The handler owns the connection: the socket closes when it returns.
            handler(conn);
            lock(&shared_for_thread.live).retain(|(live, _)| *live != id);
        });
    match spawned {
        Ok(thread) => {
            lock(&shared.workers).push(thread);
            Ok(())
        }
        Err(e) => {
            lock(&shared.live).retain(|(live, _)| *live != id);
            Err(e)
        }
    }
}

/// Joins the connection threads that have finished, so a long run does not pile up handles.
fn reap_finished(shared: &Shared) {
    let mut workers = lock(&shared.workers);
    let (done, running): (Vec<_>, Vec<_>) = workers.drain(..).partition(|w| w.is_finished());
    *workers = running;
    drop(workers);
    for worker in done {
        let _ = worker.join();
    }
}

/// One connection as a handler sees it: reads and writes that give up when the server stops or
/// the connection's lifetime ends, and sleeps that do too.
pub(super) struct Conn {
    pub(super) stream: TcpStream,
    pub(super) id: u64,
    shared: Arc<Shared>,
    deadline: Instant,
}

/// The server stopped or the connection's lifetime ended.
pub(super) fn gone() -> io::Error {
    io::Error::new(ErrorKind::ConnectionAborted, "server stopped")
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
    )
}

impl Conn {
    pub(super) fn alive(&self) -> bool {
        !self.shared.stopped() && Instant::now() < self.deadline
    }

    pub(super) fn shared(&self) -> &Shared {
        &self.shared
    }

    /// Sleeps `duration` in short slices; false when the server stopped meanwhile.
    pub(super) fn sleep(&self, duration: Duration) -> bool {
        let end = Instant::now() + duration;
        while self.alive() {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return true;
            }
            std::thread::sleep(left.min(POLL));
        }
        false
    }

    /// Reads what is there (0 at the end of the stream), waiting while the server runs.
    pub(super) fn read_some(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if !self.alive() {
                return Err(gone());
            }
            match self.stream.read(buf) {
                Err(e) if is_timeout(&e) => continue,
                other => return other,
            }
        }
    }

    /// Writes all of `bytes`, waiting for a slow reader while the server runs.
    pub(super) fn write_all(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            if !self.alive() {
                return Err(gone());
            }
            match self.stream.write(bytes) {
                Ok(0) => return Err(io::Error::new(ErrorKind::WriteZero, "peer gone")),
                Ok(n) => bytes = &bytes[n..],
                Err(e) if is_timeout(&e) => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Reads and discards until the client leaves or the server stops: a connection held open.
    pub(super) fn drain_until_closed(&mut self) {
        let mut buf = [0u8; 4096];
        while let Ok(n) = self.read_some(&mut buf) {
            if n == 0 {
                break;
            }
        }
    }
}

/// The stream a WebSocket runs over: the connection's reads and writes, which give up when the
/// server stops (tungstenite sees `WouldBlock` on a slow peer and retries the frame later).
impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.alive() {
            return Err(gone());
        }
        self.stream.read(buf)
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if !self.alive() {
            return Err(gone());
        }
        self.stream.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

/// Binds `ip:port` (0: any free port) for a listener.
pub(super) fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    TcpListener::bind(addr)
}
