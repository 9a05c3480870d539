//! The HTTP side of the Telegram stand-in: one request at a time off a
//! keep-alive connection, with its parameters from the query string and a
//! JSON or form body, the ways the Bot API accepts them.

use serde_json::{Map, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::net::TcpStream;

/// Read one HTTP/1.1 request: its path and its parameters from the query
/// string and a JSON or form body. `None` when the connection closed.
pub async fn read_request(
    reader: &mut BufReader<TcpStream>,
) -> Option<(String, Map<String, Value>)> {
    let mut line = String::new();
    if reader.read_line(&mut line).await.ok()? == 0 {
        return None;
    }
    let target = line.split_whitespace().nth(1)?.to_string();
    let (mut length, mut form, mut boundary) = (0usize, false, None);
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).await.ok()? == 0 {
            return None;
        }
        if header.trim().is_empty() {
            break;
        }
        let (name, value) = header.split_once(':').unwrap_or((&header, ""));
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().unwrap_or(0),
            "content-type" => {
                form = value.contains("x-www-form-urlencoded");
                boundary = value
                    .split(';')
                    .find_map(|p| p.trim().strip_prefix("boundary="))
                    .map(|b| b.trim_matches('"').to_string());
            }
            _ => {}
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await.ok()?;
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let mut params = parse_form(query);
    if let Some(boundary) = boundary {
        params.extend(parse_multipart(&String::from_utf8_lossy(&body), &boundary));
    } else if form {
        params.extend(parse_form(&String::from_utf8_lossy(&body)));
    } else if let Ok(Value::Object(json)) = serde_json::from_slice(&body) {
        params.extend(json);
    }
    Some((path.to_string(), params))
}

/// The text fields of a multipart body (`name="chat_id"` → its value;
/// JSON objects and arrays parsed, as in a form).
fn parse_multipart(body: &str, boundary: &str) -> Map<String, Value> {
    let mut fields = Map::new();
    for part in body.split(&format!("--{boundary}")) {
        let Some((headers, value)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let Some(name) = headers
            .split(';')
            .find_map(|p| p.trim().strip_prefix("name="))
            .map(|n| n.trim().trim_matches('"').to_string())
        else {
            continue;
        };
        let value = value.strip_suffix("\r\n").unwrap_or(value).to_string();
        // An uploaded file: its name stands for it.
        if let Some(file) = headers
            .split(';')
            .find_map(|p| p.trim().strip_prefix("filename="))
        {
            let file = file.lines().next().unwrap_or_default().trim_matches('"');
            fields.insert(name, Value::String(format!("upload:{file}")));
            continue;
        }
        let parsed = match value.trim_start().chars().next() {
            Some('{') | Some('[') => serde_json::from_str(&value).unwrap_or(Value::String(value)),
            _ => Value::String(value),
        };
        fields.insert(name, parsed);
    }
    fields
}

/// `a=1&b=%7B%7D` → {"a": "1", "b": {}}: values that are JSON objects or
/// arrays (how the Bot API takes `reply_parameters` in a form) are parsed.
fn parse_form(text: &str) -> Map<String, Value> {
    text.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| {
            let v = percent_decode(v);
            let parsed = match v.trim_start().chars().next() {
                Some('{') | Some('[') => serde_json::from_str(&v).unwrap_or(Value::String(v)),
                _ => Value::String(v),
            };
            (percent_decode(k), parsed)
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%' && i + 2 < bytes.len())
            .then(|| Some(hex(bytes[i + 1])? * 16 + hex(bytes[i + 2])?))
            .flatten();
        match (bytes[i], escaped) {
            (_, Some(b)) => {
                out.push(b);
                i += 2;
            }
            (b'+', None) => out.push(b' '),
            (b, None) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
