//! The admin API on the daemon's Unix socket, `<store.path>/admin.sock`
//! (mode 0600, the service user's): what `kefu handoff`, `kefu shop` and
//! `kefu learn` use on the daemon's machine. The file's permissions are
//! the authentication — no token travels, so nothing that binds a port
//! first can catch one (the HTTP listener stays for remote use).

use anyhow::Context as _;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use std::path::{Path, PathBuf};

/// Where the daemon with this store listens.
pub fn path(store: &Path) -> PathBuf {
    store.join("admin.sock")
}

/// Listen on `path`, replacing a socket a killed daemon left behind,
/// readable and writable by the daemon's user only.
pub fn bind(path: &Path) -> anyhow::Result<tokio::net::UnixListener> {
    use std::os::unix::fs::PermissionsExt as _;
    if path.exists() {
        // The store is locked by this daemon: a socket there is stale.
        std::fs::remove_file(path)
            .with_context(|| format!("cannot remove the stale socket {}", path.display()))?;
    }
    let listener = tokio::net::UnixListener::bind(path)
        .with_context(|| format!("cannot listen on {}", path.display()))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("cannot restrict {} to its owner", path.display()))?;
    Ok(listener)
}

/// One request over the socket at `path`: `method` on `uri` (path and
/// query) with a JSON `body`; gives the status and the body.
pub async fn request(
    path: &Path,
    method: hyper::Method,
    uri: &str,
    body: Option<Vec<u8>>,
) -> anyhow::Result<(hyper::StatusCode, Vec<u8>)> {
    let stream = tokio::net::UnixStream::connect(path).await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let request = hyper::Request::builder()
        .method(method)
        .uri(uri)
        .header(hyper::header::HOST, "kefu")
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body.unwrap_or_default())))?;
    let answer = sender.send_request(request).await?;
    let status = answer.status();
    let bytes = answer.into_body().collect().await?.to_bytes();
    Ok((status, bytes.to_vec()))
}
