//! Tokenizing of a FIN message: header blocks 1-3, the fields of block 4, trailer blocks 5/S.
//!
//! It knows the shape of a message, not the meaning of any field: it yields the sender and
//! receiver named by the headers and, for each `:TAG:` of block 4, the tag, the input line it
//! starts on and its raw content. Field slices borrow the input; nothing is copied.
//!
//! Invariants: line numbers are 1-based input lines (CRLF and LF both end a line); blank lines
//! inside block 4 are skipped; a field line never starts with `:` unless it is a tag line, nor
//! with `-`, and holds at most [`LINE_WIDTH_MAX_CHARS`] characters after its tag.

use super::{SwiftError, BLOCK4_SIZE_MAX_CHARS, INPUT_SIZE_MAX_BYTES, LINE_WIDTH_MAX_CHARS};
use crate::codes::Bic;

/// A tokenized message: the banks its headers name and the fields of block 4, in input order.
#[derive(Debug)]
pub(crate) struct Message<'a> {
    /// The sender's BIC (block 1 of an input message, block 2 of an output message).
    pub sender: Option<Bic>,
    /// The receiver's BIC (block 2 of an input message, block 1 of an output message).
    pub receiver: Option<Bic>,
    pub fields: Vec<Field<'a>>,
    /// The line where block 4 ends: its `-}`, or the last line of headerless text. A missing
    /// field is reported there.
    pub end_line: usize,
}

/// One field of block 4.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Field<'a> {
    pub tag: &'a str,
    /// The input line holding `:TAG:`.
    pub line: usize,
    /// The content from after `:TAG:` to the end of the field's last line, line breaks included.
    body: &'a str,
}

impl<'a> Field<'a> {
    /// The non-blank lines of the field with their input line numbers; the first is the rest of
    /// the tag line when it is not empty.
    pub fn lines(&self) -> impl Iterator<Item = (usize, &'a str)> + 'a {
        let first = self.line;
        self.body
            .split('\n')
            .enumerate()
            .map(move |(i, raw)| (first + i, raw.strip_suffix('\r').unwrap_or(raw)))
            .filter(|(_, text)| !text.is_empty())
    }

    /// A fault in this field, reported on `line`.
    pub fn bad(&self, line: usize, problem: impl Into<String>) -> SwiftError {
        SwiftError::BadField {
            line,
            tag: self.tag.to_string(),
            problem: problem.into(),
        }
    }
}

/// Splits `text` into headers and block 4 fields, checking that block 2 (when present) names
/// message type `expected_type` (`"700"`).
pub(crate) fn tokenize<'a>(
    text: &'a str,
    expected_type: &'static str,
) -> Result<Message<'a>, SwiftError> {
    if text.len() > INPUT_SIZE_MAX_BYTES {
        return Err(SwiftError::TooLarge {
            size_bytes: text.len(),
            max_bytes: INPUT_SIZE_MAX_BYTES,
        });
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let start = text.len() - text.trim_start().len();
    if text[start..].starts_with('{') {
        with_headers(text, start, expected_type)
    } else {
        headerless(text)
    }
}

/// The 1-based line holding byte `offset` of `text`.
pub(crate) fn line_at(text: &str, offset: usize) -> usize {
    1 + text.as_bytes()[..offset]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
}

/// Block 4 text with no headers; a closing `-}` line is optional.
fn headerless(text: &str) -> Result<Message<'_>, SwiftError> {
    let (body_end, end_line) = match find_terminator(text, 0) {
        Some(end) => {
            trailer(text, end + 2)?;
            (end, Some(line_at(text, end)))
        }
        None => (text.len(), None),
    };
    let (fields, last_line) = fields(text, 0, body_end, 1)?;
    Ok(Message {
        sender: None,
        receiver: None,
        fields,
        end_line: end_line.unwrap_or(last_line),
    })
}

/// A full message: header blocks 1, 2 and 3 (each optional, in order), block 4, trailers.
fn with_headers<'a>(
    text: &'a str,
    start: usize,
    expected_type: &'static str,
) -> Result<Message<'a>, SwiftError> {
    let (headers, block4) = read_headers(text, start, expected_type)?;
    let body_start = block4 + 3;
    let end = find_terminator(text, body_start).ok_or_else(|| SwiftError::Truncated {
        line: line_at(text, text.trim_end().len()),
        block: '4',
        problem: "block 4 is not terminated by a '-}' line".to_string(),
    })?;
    trailer(text, end + 2)?;
    let (fields, _) = fields(text, body_start, end, line_at(text, block4))?;
    Ok(Message {
        sender: headers.sender,
        receiver: headers.receiver,
        fields,
        end_line: line_at(text, end),
    })
}

/// Reads header blocks from `start` up to block 4, whose offset it returns.
fn read_headers(
    text: &str,
    start: usize,
    expected_type: &'static str,
) -> Result<(Headers, usize), SwiftError> {
    let mut headers = Headers::default();
    let (mut pos, mut previous) = (start, '0');
    while !text[pos..].starts_with("{4:") {
        let line = line_at(text, pos);
        let problem = |block: char, problem: &str| SwiftError::Header {
            line,
            block,
            problem: problem.to_string(),
        };
        if pos == text.len() {
            return Err(SwiftError::Truncated {
                line: line_at(text, text.trim_end().len()),
                block: '4',
                problem: "block 4 is missing".to_string(),
            });
        }
        let block = block_id(&text[pos..])
            .ok_or_else(|| problem('4', "expected a header block or block 4 '{4:'"))?;
        if !('1'..='3').contains(&block) || block <= previous {
            return Err(problem(block, "the block is out of place before block 4"));
        }
        let close = closing_brace(text, pos, block)?;
        headers.read(block, &text[pos + 3..close], line, expected_type)?;
        previous = block;
        pos = skip_whitespace(text, close + 1);
    }
    Ok((headers, pos))
}

/// What the header blocks say about the banks.
#[derive(Default)]
struct Headers {
    block1_bank: Option<Bic>,
    sender: Option<Bic>,
    receiver: Option<Bic>,
}

impl Headers {
    fn read(
        &mut self,
        block: char,
        content: &str,
        line: usize,
        expected_type: &'static str,
    ) -> Result<(), SwiftError> {
        let fault = |problem: String| SwiftError::Header {
            line,
            block,
            problem,
        };
        match block {
            '1' => {
                let bank = basic_header(content).map_err(fault)?;
                self.sender = Some(bank.clone());
                self.block1_bank = Some(bank);
            }
            '2' => {
                let app = application_header(content).map_err(fault)?;
                if app.message_type != expected_type {
                    return Err(SwiftError::WrongMessageType {
                        line,
                        expected: expected_type,
                        found: app.message_type.to_string(),
                    });
                }
                if app.input {
                    self.receiver = Some(app.bank);
                } else {
                    // An output message names its sender in block 2; block 1 is then the
                    // receiving terminal.
                    self.receiver = self.block1_bank.take();
                    self.sender = Some(app.bank);
                }
            }
            _ => user_header(content).map_err(fault)?,
        }
        Ok(())
    }
}

/// Block 1, `F01` + 12-character logical terminal + 4-digit session + 6-digit sequence.
fn basic_header(content: &str) -> Result<Bic, String> {
    let rest = content
        .strip_prefix("F01")
        .ok_or_else(|| format!("'{content}' does not start with application and service id F01"))?;
    if rest.len() != 22 || !rest.is_char_boundary(12) {
        return Err(format!(
            "'{content}' is not F01 + 12-character address + 10-digit session and sequence"
        ));
    }
    let (address, numbers) = rest.split_at(12);
    if !numbers.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "session and sequence '{numbers}' are not 10 digits"
        ));
    }
    terminal_bic(address)
}

/// What block 2 says.
struct ApplicationHeader<'a> {
    input: bool,
    message_type: &'a str,
    bank: Bic,
}

/// Block 2: `I` + type + receiver address [+ priority…], or `O` + type + input time + MIR
/// (date, sender address, session, sequence) + output date and time [+ priority].
fn application_header(content: &str) -> Result<ApplicationHeader<'_>, String> {
    let ascii = content.is_ascii();
    let message_type = content
        .get(1..4)
        .filter(|t| ascii && t.bytes().all(|b| b.is_ascii_digit()));
    let Some(message_type) = message_type else {
        return Err(format!("'{content}' does not name a 3-digit message type"));
    };
    let (input, address) = match content.as_bytes()[0] {
        b'I' if (16..=21).contains(&content.len()) => (true, &content[4..16]),
        b'O' if (46..=47).contains(&content.len()) => (false, &content[14..26]),
        _ => {
            return Err(format!(
                "'{content}' is neither an input (I) nor an output (O) application header"
            ))
        }
    };
    Ok(ApplicationHeader {
        input,
        message_type,
        bank: terminal_bic(address)?,
    })
}

/// Block 3 holds `{tag:value}` groups; only its shape is checked.
fn user_header(content: &str) -> Result<(), String> {
    let mut rest = content;
    while !rest.is_empty() {
        let group_end = rest
            .strip_prefix('{')
            .and_then(|r| r.find('}'))
            .ok_or_else(|| format!("'{rest}' is not a {{tag:value}} group"))?;
        rest = &rest[group_end + 2..];
    }
    Ok(())
}

/// The BIC of a 12-character logical terminal address: institution and location (1-8) and
/// branch (10-12); the terminal code (9) is dropped. A `XXX` branch gives an 11-character BIC.
fn terminal_bic(address: &str) -> Result<Bic, String> {
    let bic = address
        .get(..8)
        .zip(address.get(9..12))
        .map(|(bic8, branch)| [bic8, branch].concat());
    bic.and_then(|b| b.parse().ok())
        .ok_or_else(|| format!("address '{address}' does not hold a BIC"))
}

/// The block id of text starting `{X:`.
fn block_id(text: &str) -> Option<char> {
    let mut chars = text.chars();
    match (chars.next(), chars.next(), chars.next()) {
        (Some('{'), Some(id), Some(':')) => Some(id),
        _ => None,
    }
}

/// The index of the `}` closing the block opened at `open`. Blocks 1 and 2 hold no braces;
/// blocks 3, 5 and S hold `{tag:value}` groups one level deep. No block spans lines.
fn closing_brace(text: &str, open: usize, block: char) -> Result<usize, SwiftError> {
    let depth_max = if matches!(block, '1' | '2') { 1 } else { 2 };
    let mut depth = 0usize;
    for (i, b) in text.as_bytes()[open..].iter().enumerate() {
        match b {
            b'{' if depth < depth_max => depth += 1,
            b'}' => {
                // The first byte is the block's own '{', so depth is at least 1 here.
                depth -= 1;
                if depth == 0 {
                    return Ok(open + i);
                }
            }
            b'{' | b'\n' => break,
            _ => {}
        }
    }
    Err(SwiftError::Truncated {
        line: line_at(text, open),
        block,
        problem: format!("block {block} is not closed by '}}'"),
    })
}

fn skip_whitespace(text: &str, pos: usize) -> usize {
    pos + (text[pos..].len() - text[pos..].trim_start().len())
}

/// The offset of the `-}` that starts a line at or after `from`, ending block 4.
fn find_terminator(text: &str, from: usize) -> Option<usize> {
    let body = &text[from..];
    if from == 0 && body.starts_with("-}") {
        return Some(0);
    }
    body.find("\n-}").map(|i| from + i + 1)
}

/// After block 4 only trailer blocks 5 and S may follow, then whitespace.
fn trailer(text: &str, from: usize) -> Result<(), SwiftError> {
    let mut pos = from;
    loop {
        pos = skip_whitespace(text, pos);
        if pos == text.len() {
            return Ok(());
        }
        match block_id(&text[pos..]) {
            Some(block @ ('5' | 'S')) => pos = closing_brace(text, pos, block)? + 1,
            _ => {
                return Err(SwiftError::Header {
                    line: line_at(text, pos),
                    block: '5',
                    problem: "only trailer blocks {5:…} and {S:…} may follow block 4".to_string(),
                })
            }
        }
    }
}

/// Splits `text[start..end]` (block 4) into fields; `first_line` is the line `start` is on.
/// Returns the fields and the last line that held text.
fn fields(
    text: &str,
    start: usize,
    end: usize,
    first_line: usize,
) -> Result<(Vec<Field<'_>>, usize), SwiftError> {
    check_block4_size(&text[start..end], first_line)?;
    let mut spans: Vec<Span<'_>> = Vec::with_capacity(48);
    let (mut offset, mut line, mut last_line) = (start, first_line, first_line);
    for raw in text[start..end].split_inclusive('\n') {
        let content = raw.strip_suffix('\n').unwrap_or(raw);
        let content = content.strip_suffix('\r').unwrap_or(content);
        if !content.is_empty() {
            read_line(&mut spans, content, offset, line)?;
            last_line = line;
        }
        offset += raw.len();
        line += 1;
    }
    let fields = spans
        .into_iter()
        .map(|span| Field {
            tag: span.tag,
            line: span.line,
            body: &text[span.from..span.to],
        })
        .collect();
    Ok((fields, last_line))
}

/// Where a field's content lies in the input while it grows line by line; slices are taken
/// once the field is complete.
struct Span<'a> {
    tag: &'a str,
    line: usize,
    from: usize,
    to: usize,
}

/// Reads one non-blank line of block 4, at byte `offset` of the input: a tag line opens a
/// field, any other line continues the open one.
fn read_line<'a>(
    spans: &mut Vec<Span<'a>>,
    content: &'a str,
    offset: usize,
    line: usize,
) -> Result<(), SwiftError> {
    if content.starts_with(':') {
        let (tag, after) = tag_of(content, line)?;
        check_width(&content[after..], line, tag)?;
        spans.push(Span {
            tag,
            line,
            from: offset + after,
            to: offset + content.len(),
        });
        return Ok(());
    }
    let Some(span) = spans.last_mut() else {
        return Err(SwiftError::Syntax {
            line,
            problem: "text before the first ':TAG:' of block 4".to_string(),
        });
    };
    if content.starts_with('-') {
        return Err(SwiftError::BadField {
            line,
            tag: span.tag.to_string(),
            problem: "a field line may not start with '-'".to_string(),
        });
    }
    check_width(content, line, span.tag)?;
    span.to = offset + content.len();
    Ok(())
}

fn check_block4_size(body: &str, line: usize) -> Result<(), SwiftError> {
    // Byte length bounds the character count from above, so counting is needed only beyond it.
    if body.len() > BLOCK4_SIZE_MAX_CHARS {
        let size_chars = body.chars().count();
        if size_chars > BLOCK4_SIZE_MAX_CHARS {
            return Err(SwiftError::Block4TooLong {
                line,
                size_chars,
                max_chars: BLOCK4_SIZE_MAX_CHARS,
            });
        }
    }
    Ok(())
}

/// The tag of a line starting `:` and the offset after its closing `:`. A tag is two digits and
/// an optional upper-case option letter.
fn tag_of(content: &str, line: usize) -> Result<(&str, usize), SwiftError> {
    let b = content.as_bytes();
    let digits = b.len() > 3 && b[1].is_ascii_digit() && b[2].is_ascii_digit();
    let len = match b.get(3) {
        Some(b':') if digits => 2,
        Some(c) if digits && c.is_ascii_uppercase() && b.get(4) == Some(&b':') => 3,
        _ => {
            let shown: String = content.chars().take(8).collect();
            return Err(SwiftError::Syntax {
                line,
                problem: format!(
                    "'{shown}' is not a field tag (':' two digits, optional letter, ':')"
                ),
            });
        }
    };
    Ok((&content[1..1 + len], len + 2))
}

fn check_width(content: &str, line: usize, tag: &str) -> Result<(), SwiftError> {
    // ASCII is the norm; count characters only when a line is long in bytes.
    if content.len() > LINE_WIDTH_MAX_CHARS {
        let width = content.chars().count();
        if width > LINE_WIDTH_MAX_CHARS {
            return Err(SwiftError::BadField {
                line,
                tag: tag.to_string(),
                problem: format!(
                    "line holds {width} characters, over the SWIFT limit of {LINE_WIDTH_MAX_CHARS}"
                ),
            });
        }
    }
    Ok(())
}

/// A field of a message type: its name in the standard (`41a`) and the tags it may take.
pub(crate) type FieldSpec = (&'static str, &'static [&'static str]);

/// The fields of one message indexed by their spec: each at most once, none outside the spec.
#[derive(Debug)]
pub(crate) struct FieldSet<'a> {
    /// The [`key`] of each spec name, so a lookup compares integers, not strings (the importer's
    /// hot path asks for every field of the spec).
    names: Vec<u32>,
    slots: Vec<Option<Field<'a>>>,
    /// Where block 4 ends; a missing field is reported there.
    pub end_line: usize,
}

impl<'a> FieldSet<'a> {
    /// Indexes `message` by `spec`. A tag outside the spec is refused with the reason `refused`
    /// gives for it (fields of the standard the model cannot hold), or as not a field of MT
    /// `message_type`.
    pub fn index(
        message: &Message<'a>,
        message_type: &str,
        spec: &'static [FieldSpec],
        refused: &[(&str, &str)],
    ) -> Result<FieldSet<'a>, SwiftError> {
        let mut slots = vec![None; spec.len()];
        for field in &message.fields {
            let tag = key(field.tag);
            let slot = spec
                .iter()
                .position(|(_, tags)| tags.iter().any(|t| key(t) == tag));
            let Some(slot) = slot else {
                let reason = refused
                    .iter()
                    .find(|(tag, _)| *tag == field.tag)
                    .map_or_else(
                        || format!("not a field of MT{message_type}"),
                        |r| r.1.to_string(),
                    );
                return Err(SwiftError::UnexpectedTag {
                    line: field.line,
                    tag: field.tag.to_string(),
                    reason,
                });
            };
            if let Some(first) = &slots[slot] {
                let first: &Field<'_> = first;
                return Err(SwiftError::DuplicateTag {
                    line: field.line,
                    tag: field.tag.to_string(),
                    first_line: first.line,
                });
            }
            slots[slot] = Some(*field);
        }
        Ok(FieldSet {
            names: spec.iter().map(|(name, _)| key(name)).collect(),
            slots,
            end_line: message.end_line,
        })
    }

    /// The field named `name` in the spec (`41a`, `32B`), if the message has it.
    pub fn get(&self, name: &str) -> Option<&Field<'a>> {
        let name = key(name);
        let slot = self.names.iter().position(|n| *n == name)?;
        self.slots[slot].as_ref()
    }

    /// The field named `name`, which the message must have.
    pub fn require(&self, name: &'static str) -> Result<&Field<'a>, SwiftError> {
        self.get(name).ok_or(SwiftError::MissingTag {
            line: self.end_line,
            tag: name,
        })
    }

    /// Reads mandatory field `name` with `read`.
    pub fn read<T>(
        &self,
        name: &'static str,
        read: fn(&Field<'a>) -> Result<T, SwiftError>,
    ) -> Result<T, SwiftError> {
        read(self.require(name)?)
    }

    /// Reads optional field `name` with `read`.
    pub fn opt<T>(
        &self,
        name: &str,
        read: fn(&Field<'a>) -> Result<T, SwiftError>,
    ) -> Result<Option<T>, SwiftError> {
        self.get(name).map(read).transpose()
    }

    /// The line of field `name`, or the end of block 4 when it is absent.
    pub fn line_of(&self, name: &str) -> usize {
        self.get(name).map_or(self.end_line, |f| f.line)
    }

    /// The tag the message used for field `name` (`41D` for `41a`), or the name itself.
    pub fn tag_of(&self, name: &'static str) -> &'a str {
        self.get(name).map_or(name, |f| f.tag)
    }
}

/// A tag or field name packed into an integer; names and tags are at most 3 ASCII characters,
/// so distinct ones get distinct keys.
fn key(name: &str) -> u32 {
    name.bytes()
        .take(4)
        .fold(0, |key, b| (key << 8) | u32::from(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(message: &Message<'_>) -> Vec<(String, usize, Vec<String>)> {
        message
            .fields
            .iter()
            .map(|f| {
                let lines = f.lines().map(|(_, l)| l.to_string()).collect();
                (f.tag.to_string(), f.line, lines)
            })
            .collect()
    }

    #[test]
    fn splits_fields_with_crlf_and_continuations() {
        let text = "{1:F01STCBKZKAAXXX0000000000}{2:I700TSCMCNBJXXXXN}{3:{108:MUR1}}{4:\r\n\
                    :20:SCB/1\r\n:50:NAME\r\nSTREET 1\r\n\r\n:49:WITHOUT\r\n-}{5:{CHK:1}}\r\n";
        let message = tokenize(text, "700").unwrap();
        assert_eq!(message.sender.as_ref().unwrap().as_str(), "STCBKZKAXXX");
        assert_eq!(message.receiver.as_ref().unwrap().as_str(), "TSCMCNBJXXX");
        assert_eq!(message.end_line, 7);
        let expected = vec![
            ("20".to_string(), 2, vec!["SCB/1".to_string()]),
            (
                "50".to_string(),
                3,
                vec!["NAME".to_string(), "STREET 1".to_string()],
            ),
            ("49".to_string(), 6, vec!["WITHOUT".to_string()]),
        ];
        assert_eq!(tags(&message), expected);
    }

    #[test]
    fn output_messages_name_the_sender_in_block_2() {
        let text = "{1:F01TSCMCNBJAXXX1234123456}\
                    {2:O7001200260302STCBKZKAXXXX12341234562603021201N}{4:\n:20:X\n-}";
        let message = tokenize(text, "700").unwrap();
        assert_eq!(message.sender.unwrap().as_str(), "STCBKZKAXXX");
        assert_eq!(message.receiver.unwrap().as_str(), "TSCMCNBJXXX");
    }

    #[test]
    fn headerless_text_with_optional_terminator() {
        for text in [":20:A\n:21:B\n", ":20:A\n:21:B\n-}\n", "\n:20:A\n:21:B"] {
            let message = tokenize(text, "700").unwrap();
            assert_eq!(message.fields.len(), 2, "{text:?}");
            assert!(message.sender.is_none() && message.receiver.is_none());
        }
    }

    #[test]
    fn structural_faults_name_line_and_block() {
        let cases: &[(&str, usize, &str)] = &[
            (
                "{1:F01STCBKZKAAXXX0000000000}{4:\n:20:A\n",
                2,
                "not terminated",
            ),
            (
                "{1:F01STCBKZKAAXXX0000000000{4:\n:20:A\n-}",
                1,
                "block 1 is not closed",
            ),
            ("{1:F01STCBKZKAAXXX00000}{4:\n:20:A\n-}", 1, "10-digit"),
            (
                "{2:I700TSCMCNBJXXXXN}{1:F01STCBKZKAAXXX0000000000}{4:\n-}",
                1,
                "out of place",
            ),
            ("{4:\n:20:A\n-}{6:X}", 3, "only trailer blocks"),
            ("{4:\n:20:A\n-}{5:{CHK:1}", 3, "block 5 is not closed"),
            ("{4:\nTEXT\n:20:A\n-}", 2, "before the first"),
            ("{4:\n:20:A\n:2O:B\n-}", 3, "not a field tag"),
            ("{4:\n:20:A\n-B\n-}", 3, "may not start with '-'"),
        ];
        for (text, line, needle) in cases {
            let err = tokenize(text, "700").unwrap_err();
            assert_eq!(err.line(), Some(*line), "{text:?}: {err}");
            assert!(err.to_string().contains(needle), "{text:?}: {err}");
        }
    }

    #[test]
    fn wrong_message_type_is_named() {
        let text = "{1:F01STCBKZKAAXXX0000000000}{2:I707TSCMCNBJXXXXN}{4:\n:20:A\n-}";
        let err = tokenize(text, "700").unwrap_err();
        assert_eq!(
            err,
            SwiftError::WrongMessageType {
                line: 1,
                expected: "700",
                found: "707".to_string()
            }
        );
    }

    #[test]
    fn limits_are_enforced() {
        let long_line = format!(":45A:{}\n", "A".repeat(66));
        let err = tokenize(&long_line, "700").unwrap_err();
        assert_eq!((err.line(), err.tag()), (Some(1), Some("45A")));
        assert!(tokenize(&format!(":45A:{}\n", "A".repeat(65)), "700").is_ok());

        let big = format!(":45A:A\n{}", "BBBBBBBBBBBBBBBBBBB\n".repeat(500));
        assert!(matches!(
            tokenize(&big, "700"),
            Err(SwiftError::Block4TooLong {
                size_chars: 10_007,
                ..
            })
        ));
        let huge = "A".repeat(INPUT_SIZE_MAX_BYTES + 1);
        assert!(matches!(
            tokenize(&huge, "700"),
            Err(SwiftError::TooLarge { .. })
        ));
    }
}
