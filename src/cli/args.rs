//! Arguments several subcommands share, parsed into types once: `--header 'K: V'` (one parser
//! for every subcommand) and where `invoke` and `batch` send (`TargetArgs`).

use std::path::PathBuf;

use clap::Args;

use crate::functions::MAX_TIMEOUT_MS;

/// One `--header 'Name: value'`, checked: a valid header name and a one-line value. The value
/// may be `env:NAME`, read from the environment when the request is sent; an empty value
/// (`'Name:'`) is kept as empty (`functions set` takes it as "remove the header").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderArg {
    /// The header's name, as given.
    pub name: String,
    /// Its value, trimmed.
    pub value: String,
}

impl HeaderArg {
    /// The header as a name/value pair.
    pub fn pair(&self) -> (String, String) {
        (self.name.clone(), self.value.clone())
    }

    /// The header as the livechat client takes it.
    pub fn livechat(&self) -> crate::livechat::Header {
        crate::livechat::Header {
            name: self.name.clone(),
            value: self.value.clone(),
        }
    }
}

/// The value parser of every `--header`: `Name: value`.
pub fn parse_header(text: &str) -> Result<HeaderArg, String> {
    let Some((name, value)) = text.split_once(':') else {
        return Err(format!(
            "a header is 'Name: value', and '{text}' has no colon"
        ));
    };
    let name = name.trim();
    if name.is_empty() {
        return Err(format!(
            "a header is 'Name: value', and '{text}' has no name"
        ));
    }
    if !name.bytes().all(is_token_byte) {
        return Err(format!(
            "'{name}' is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)"
        ));
    }
    let value = value.trim();
    if let Some(c) = value.chars().find(|&c| c.is_control() && c != '\t') {
        return Err(format!(
            "the value of header '{name}' holds a control character ({c:?}): a header value is one line of text"
        ));
    }
    if !value.is_ascii() {
        return Err(format!(
            "the value of header '{name}' holds non-ASCII characters, which HTTP headers cannot carry"
        ));
    }
    Ok(HeaderArg {
        name: name.to_owned(),
        value: value.to_owned(),
    })
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Where `invoke` and `batch` send, and how they print.
#[derive(Clone, Debug, Args)]
pub struct TargetArgs {
    /// POST to this URL instead of the configured function.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Timeout of each request in milliseconds (default: the function's, or 30000).
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..=MAX_TIMEOUT_MS))]
    pub timeout_ms: Option<u64>,
    /// The functions file (default: functions.json in the config dir).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// An extra request header, 'K: V' (repeatable); 'K: env:NAME' reads the value from the
    /// environment variable NAME when sending.
    #[arg(long, value_name = "'K: V'", value_parser = parse_header)]
    pub header: Vec<HeaderArg>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_parsed_once_with_clear_refusals() {
        assert_eq!(
            parse_header(" X-Api-Key :  env:API_KEY ").unwrap(),
            HeaderArg {
                name: "X-Api-Key".into(),
                value: "env:API_KEY".into()
            }
        );
        assert_eq!(parse_header("X-Gone:").unwrap().value, "");
        let no_colon = parse_header("X-Api-Key abc").unwrap_err();
        assert!(no_colon.contains("has no colon"), "{no_colon}");
        assert!(parse_header(": x").unwrap_err().contains("has no name"));
        assert!(
            parse_header("Bad Name: x")
                .unwrap_err()
                .contains("not a valid header name")
        );
        assert!(
            parse_header("X-A: a\u{7}b")
                .unwrap_err()
                .contains("control character")
        );
        assert!(parse_header("X-A: é").unwrap_err().contains("non-ASCII"));
    }
}
