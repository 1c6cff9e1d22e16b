//! Writing the subcommands' output: every write can fail (a full disk, a closed pipe) and the
//! failure is returned, never ignored and never a panic. `main` turns a closed pipe into a quiet
//! exit and anything else into an error.

use std::io::{BufWriter, StdoutLock, Write};

use anyhow::Context as _;

/// Standard output, buffered. Call [`Out::finish`] at the end: a write that fails only when the
/// buffer is flushed is an error too.
pub struct Out(BufWriter<StdoutLock<'static>>);

impl Out {
    /// Standard output, locked for the whole command.
    pub fn stdout() -> Out {
        Out(BufWriter::with_capacity(
            64 * 1024,
            std::io::stdout().lock(),
        ))
    }

    /// Flushes what is left; the error says that writing the output failed.
    pub fn finish(mut self) -> anyhow::Result<()> {
        self.0.flush().context("writing the output failed")
    }
}

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.0.write_all(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Writing lines that report a failed write as an error.
pub trait Say {
    /// Writes `args` and a newline; the error says that writing the output failed.
    fn say(&mut self, args: std::fmt::Arguments<'_>) -> anyhow::Result<()>;
}

impl<W: Write + ?Sized> Say for W {
    fn say(&mut self, args: std::fmt::Arguments<'_>) -> anyhow::Result<()> {
        let mut line = args.to_string();
        // No line the CLI prints shows the password of a URL.
        if let std::borrow::Cow::Owned(masked) = crate::redact::url_passwords(&line) {
            line = masked;
        }
        line.push('\n');
        self.write_all(line.as_bytes())
            .context("writing the output failed")
    }
}

/// Writes a line: `say!(out, "…", …)?` (`say!(out)?` for an empty one).
macro_rules! say {
    ($out:expr) => {{
        use $crate::cli::output::Say as _;
        $out.say(format_args!(""))
    }};
    ($out:expr, $($arg:tt)*) => {{
        use $crate::cli::output::Say as _;
        $out.say(format_args!($($arg)*))
    }};
}
pub(crate) use say;

/// Writes a JSON value, pretty, with a final newline; no URL password in it is shown.
pub fn print_json(out: &mut impl Write, value: &serde_json::Value) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value).context("writing the output failed")?;
    let text = crate::redact::url_passwords(&text);
    out.write_all(text.as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .context("writing the output failed")
}

/// Writes rows as left-aligned columns; the last column is not padded.
pub fn print_table(
    out: &mut impl Write,
    header: &[&str],
    rows: &[Vec<String>],
) -> anyhow::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    write_row(out, &widths, &mut header.iter().copied())?;
    for row in rows {
        write_row(out, &widths, &mut row.iter().map(String::as_str))?;
    }
    Ok(())
}

/// Writes one row of cells padded to `widths` (the last cell unpadded, trailing blanks cut).
pub fn write_row(
    out: &mut impl Write,
    widths: &[usize],
    cells: &mut dyn Iterator<Item = &str>,
) -> anyhow::Result<()> {
    let mut text = String::new();
    for (i, cell) in cells.enumerate() {
        text.push_str(cell);
        if i + 1 < widths.len() {
            let pad = widths[i].saturating_sub(cell.chars().count());
            text.extend(std::iter::repeat_n(' ', pad + 2));
        }
    }
    say!(out, "{}", text.trim_end())
}

/// Cuts `text` to at most `max` characters, marking the cut with an ellipsis.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// Writes a warning line on stderr (nothing more can be done when stderr itself is gone).
/// A note or warning beside a command's answer: in the text, or on stderr when stdout is JSON.
pub fn note(out: &mut Out, json: bool, line: &str) -> anyhow::Result<()> {
    if json {
        warn(line);
        Ok(())
    } else {
        say!(out, "{line}")
    }
}

pub fn warn(text: impl std::fmt::Display) {
    let text = crate::redact::url_passwords(&text.to_string()).into_owned();
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}
