//! Reading a report as a stream with bounded buffers: a line at a time, or in pieces
//! (an XML event, a JSON token) of bounded size, so no parser's buffer grows with the
//! file, whatever the file holds.

use std::io::{self, BufRead, Read};

/// The start of a report after a UTF-8 byte-order mark and blank space.
pub(crate) struct Start {
    /// The first byte that is not blank, if any.
    pub first: Option<u8>,
    /// The 1-based line it is on.
    pub line: usize,
}

/// Skips a byte-order mark and leading whitespace, counting the lines it skips.
pub(crate) fn skip_blank_start(reader: &mut dyn BufRead) -> io::Result<Start> {
    skip_bom(reader)?;
    let mut line = 1;
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            return Ok(Start { first: None, line });
        }
        let blank = buffer
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(buffer.len());
        line += buffer[..blank].iter().filter(|b| **b == b'\n').count();
        let first = buffer.get(blank).copied();
        reader.consume(blank);
        if first.is_some() {
            return Ok(Start { first, line });
        }
    }
}

/// Skips a UTF-8 byte-order mark.
pub(crate) fn skip_bom(reader: &mut dyn BufRead) -> io::Result<()> {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let buffer = reader.fill_buf()?;
    if buffer.starts_with(BOM) {
        reader.consume(BOM.len());
    }
    Ok(())
}

/// Reads the next line into `line` (cleared first; without its `\n` or `\r\n`), refusing
/// a line longer than `max` bytes. `Ok(false)` at the end of the stream.
pub(crate) fn read_line(
    reader: &mut dyn BufRead,
    line: &mut Vec<u8>,
    max: usize,
) -> io::Result<bool> {
    line.clear();
    let mut any = false;
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            break;
        }
        any = true;
        let (take, done) = match buffer.iter().position(|b| *b == b'\n') {
            Some(end) => (end, true),
            None => (buffer.len(), false),
        };
        if line.len() + take > max {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "a line longer than {}",
                    crate::input::ByteSize::new(max as u64)
                ),
            ));
        }
        line.extend_from_slice(&buffer[..take]);
        reader.consume(take + usize::from(done));
        if done {
            break;
        }
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(any)
}

/// A [`BufRead`] over a report that counts the lines consumed and refuses a piece longer
/// than `max` bytes. A piece ends at one of `breaks` (JSON: structural characters), or
/// at [`Pieces::mark`] when `breaks` is empty (XML: after each event).
pub(crate) struct Pieces<'a> {
    inner: &'a mut dyn BufRead,
    newlines: usize,
    run: usize,
    max: usize,
    breaks: &'static [u8],
    what: &'static str,
}

impl<'a> Pieces<'a> {
    pub fn new(
        inner: &'a mut dyn BufRead,
        max: usize,
        breaks: &'static [u8],
        what: &'static str,
    ) -> Pieces<'a> {
        Pieces {
            inner,
            newlines: 0,
            run: 0,
            max,
            breaks,
            what,
        }
    }

    /// Lines consumed so far, from 0.
    pub fn newlines(&self) -> usize {
        self.newlines
    }

    /// A piece ended here.
    pub fn mark(&mut self) {
        self.run = 0;
    }
}

impl BufRead for Pieces<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let allowed = self.max - self.run;
        let (max, what) = (self.max, self.what);
        let buffer = self.inner.fill_buf()?;
        if buffer.is_empty() {
            return Ok(buffer);
        }
        if allowed == 0 {
            // A piece of exactly `max` bytes, then its break.
            if self.breaks.contains(&buffer[0]) {
                return Ok(&buffer[..1]);
            }
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{what} longer than {}: not a real report",
                    crate::input::ByteSize::new(max as u64)
                ),
            ));
        }
        Ok(&buffer[..buffer.len().min(allowed)])
    }

    fn consume(&mut self, amount: usize) {
        if let Ok(buffer) = self.inner.fill_buf() {
            let consumed = &buffer[..amount.min(buffer.len())];
            self.newlines += consumed.iter().filter(|b| **b == b'\n').count();
            match consumed.iter().rposition(|b| self.breaks.contains(b)) {
                Some(at) => self.run = consumed.len() - at - 1,
                None => self.run += consumed.len(),
            }
        }
        self.inner.consume(amount);
    }
}

impl Read for Pieces<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        crate::input::read_from_buffer(self, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_bounded() {
        let mut reader: &[u8] = b"ab\r\ncd\n\nlast";
        let mut line = Vec::new();
        let mut lines = Vec::new();
        while read_line(&mut reader, &mut line, 10).unwrap() {
            lines.push(String::from_utf8(line.clone()).unwrap());
        }
        assert_eq!(lines, ["ab", "cd", "", "last"]);
        let mut reader: &[u8] = b"0123456789ABC\n";
        assert!(read_line(&mut reader, &mut line, 10).is_err());
    }

    #[test]
    fn pieces_are_bounded_between_breaks() {
        let mut text: &[u8] = b"[1,2,3,\"abcdef\",\n4]";
        let mut pieces = Pieces::new(&mut text, 8, b"[],", "a token");
        let mut out = Vec::new();
        pieces.read_to_end(&mut out).unwrap();
        assert_eq!(pieces.newlines(), 1);
        let mut text: &[u8] = b"[1,\"abcdefghijkl\"]";
        let mut pieces = Pieces::new(&mut text, 8, b"[],", "a token");
        let error = pieces.read_to_end(&mut Vec::new()).unwrap_err();
        assert!(
            error.to_string().contains("a token longer than 8 B"),
            "{error}"
        );
    }

    #[test]
    fn the_start_skips_a_bom_and_blank_lines() {
        let mut text: &[u8] = b"\xEF\xBB\xBF\n  \n <x/>";
        let start = skip_blank_start(&mut text).unwrap();
        assert_eq!((start.first, start.line), (Some(b'<'), 3));
        let mut text: &[u8] = b" \n ";
        assert_eq!(skip_blank_start(&mut text).unwrap().first, None);
    }
}
