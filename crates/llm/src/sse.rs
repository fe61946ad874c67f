//! A server-sent-events decoder: bytes in, complete events out.
//!
//! Network chunks split lines anywhere (even inside a UTF-8 character), so
//! bytes are buffered until a line ends and an event is complete at a blank
//! line. Only `event:` and `data:` fields matter to model APIs; comments
//! (`:` lines, used as keep-alives) and other fields are dropped.

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SseEvent {
    /// The `event:` name, empty when the server sent none.
    pub event: String,
    /// The `data:` lines joined with `\n`.
    pub data: String,
}

#[derive(Debug, Default)]
pub(crate) struct SseDecoder {
    buffer: Vec<u8>,
    event: String,
    data: Vec<String>,
}

impl SseDecoder {
    /// Feeds bytes and appends every event they complete to `out`.
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<SseEvent>) {
        self.buffer.extend_from_slice(bytes);
        let mut start = 0;
        while let Some(pos) = self.buffer[start..].iter().position(|&b| b == b'\n') {
            let end = start + pos;
            let line = &self.buffer[start..end];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let line = String::from_utf8_lossy(line).into_owned();
            start = end + 1;
            self.line(&line, out);
        }
        self.buffer.drain(..start);
    }

    fn line(&mut self, line: &str, out: &mut Vec<SseEvent>) {
        if line.is_empty() {
            if !self.data.is_empty() || !self.event.is_empty() {
                out.push(SseEvent {
                    event: std::mem::take(&mut self.event),
                    data: std::mem::take(&mut self.data).join("\n"),
                });
            }
            return;
        }
        if line.starts_with(':') {
            return;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match field {
            "event" => self.event = value.to_string(),
            "data" => self.data.push(value.to_string()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_split_across_chunks_and_crlf() {
        let mut decoder = SseDecoder::default();
        let mut out = Vec::new();
        decoder.feed(b"event: ping\r\nda", &mut out);
        assert!(out.is_empty());
        decoder.feed(
            b"ta: {\"a\":1}\r\n\r\n: keep-alive\n\ndata: x\ndata: y\n\n",
            &mut out,
        );
        assert_eq!(
            out,
            vec![
                SseEvent {
                    event: "ping".into(),
                    data: "{\"a\":1}".into()
                },
                SseEvent {
                    event: String::new(),
                    data: "x\ny".into()
                },
            ]
        );
    }

    #[test]
    fn multibyte_character_split_between_chunks() {
        let mut decoder = SseDecoder::default();
        let mut out = Vec::new();
        let bytes = "data: h\u{e9}\n\n".as_bytes();
        decoder.feed(&bytes[..8], &mut out);
        decoder.feed(&bytes[8..], &mut out);
        assert_eq!(out[0].data, "h\u{e9}");
    }
}
