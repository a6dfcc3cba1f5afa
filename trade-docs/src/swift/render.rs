//! Writing of FIN message text: header blocks 1 and 2, and block 4 fields wrapped to SWIFT lines.
//!
//! The wrapping is the inverse of how import joins lines: prose is broken only at a space,
//! which the break consumes, so joining the lines with one space gives the text back. A break is
//! never placed where the next line would read as something else: a tag (`:`), the end of block
//! 4 (`-`), or a new clause as the field's own `may_continue` rule says. Only a run of more than
//! 65 characters with no usable space is broken inside a word; import then reads a space there,
//! and the round trip is stable from the second import on.
//!
//! Deliberately not here: which fields a message has, and their formats (see `mt700`, `mt707`).
//! Output uses LF line endings; each field line holds at most [`LINE_WIDTH_MAX_CHARS`]
//! characters after its tag.

use super::LINE_WIDTH_MAX_CHARS;
use crate::codes::Bic;

/// Whether a field's text may continue on a line starting with the given text. The rule for
/// `:` and `-` applies to every field on top of it.
pub(crate) type MayContinue = fn(&str) -> bool;

/// Any continuation line that is not a tag or block end.
pub(crate) fn any_line(_: &str) -> bool {
    true
}

/// Builds one message, field by field.
#[derive(Debug)]
pub(crate) struct Writer {
    out: String,
    with_headers: bool,
}

impl Writer {
    /// Starts a message; with both banks known it carries header blocks 1 and 2 (session and
    /// sequence zero, normal priority), otherwise it is block 4 text alone.
    pub fn new(sender: Option<&Bic>, receiver: Option<&Bic>, message_type: &str) -> Writer {
        let mut out = String::with_capacity(4096);
        let with_headers = if let (Some(sender), Some(receiver)) = (sender, receiver) {
            out.push_str("{1:F01");
            push_terminal(&mut out, sender, 'A');
            out.push_str("0000000000}{2:I");
            out.push_str(message_type);
            push_terminal(&mut out, receiver, 'X');
            out.push_str("N}{4:\n");
            true
        } else {
            false
        };
        Writer { out, with_headers }
    }

    /// The finished text; a message with headers ends with `-}`.
    pub fn finish(mut self) -> String {
        if self.with_headers {
            self.out.push_str("-}");
        }
        self.out
    }

    /// A field of free text: each `\n`-separated line of `text` starts a SWIFT line and is
    /// wrapped at spaces.
    pub fn text(&mut self, tag: &str, text: &str) {
        self.lines(tag, text.split('\n'));
    }

    /// Like [`Writer::text`] for an optional field.
    pub fn opt_text(&mut self, tag: &str, text: Option<&String>) {
        if let Some(text) = text {
            self.text(tag, text);
        }
    }

    /// A field whose text follows a fixed prefix on the tag line (`31D` date then place).
    pub fn prefixed(&mut self, tag: &str, prefix: &str, text: &str) {
        self.open(tag);
        self.out.push_str(prefix);
        let width = LINE_WIDTH_MAX_CHARS.saturating_sub(prefix.chars().count());
        push_block(&mut self.out, text, width, LINE_WIDTH_MAX_CHARS, any_line);
        self.out.push('\n');
    }

    /// A field of several lines, each wrapped when too long; blank lines are left out.
    pub fn lines<'t>(&mut self, tag: &str, lines: impl IntoIterator<Item = &'t str>) {
        self.open(tag);
        let mut first = true;
        for line in lines.into_iter().flat_map(|l| l.split('\n')) {
            if line.is_empty() {
                continue;
            }
            let width = if first {
                LINE_WIDTH_MAX_CHARS
            } else {
                self.out.push('\n');
                start_continuation(&mut self.out, line, LINE_WIDTH_MAX_CHARS, any_line)
            };
            push_wrapped(&mut self.out, line, width, LINE_WIDTH_MAX_CHARS, any_line);
            first = false;
        }
        self.out.push('\n');
    }

    /// A field of clauses, each opening a line with its marker (`+`, `/ADD/+`); a clause's
    /// continuation lines must satisfy `may_continue` so they do not read as a new clause.
    pub fn clauses<'t>(
        &mut self,
        tag: &str,
        clauses: impl IntoIterator<Item = (&'t str, &'t str)>,
        may_continue: MayContinue,
    ) {
        self.open(tag);
        for (i, (marker, text)) in clauses.into_iter().enumerate() {
            if i > 0 {
                self.out.push('\n');
            }
            self.out.push_str(marker);
            let width = LINE_WIDTH_MAX_CHARS.saturating_sub(marker.chars().count());
            push_block(
                &mut self.out,
                text,
                width,
                LINE_WIDTH_MAX_CHARS,
                may_continue,
            );
        }
        self.out.push('\n');
    }

    fn open(&mut self, tag: &str) {
        self.out.push(':');
        self.out.push_str(tag);
        self.out.push(':');
    }
}

/// `text` broken into the lines of a field narrower than [`LINE_WIDTH_MAX_CHARS`] (`77J` is
/// 50 characters wide, `72Z` and `77B` 35), the way [`Writer`] wraps: each `\n`-separated line
/// of `text` starts a new line, prose breaks at spaces, and no line but the first starts with
/// `:`, `-` or what `may_continue` refuses (such a line is indented by one space). The first
/// line holds at most `first_width` characters, the others at most `width`; the caller places
/// the first line after whatever opens it (a tag, a clause marker, a code).
pub(crate) fn wrap(
    text: &str,
    first_width: usize,
    width: usize,
    may_continue: MayContinue,
) -> Vec<String> {
    let mut out = String::with_capacity(text.len() + text.len() / width.max(1) + 1);
    push_block(&mut out, text, first_width, width, may_continue);
    out.split('\n').map(str::to_string).collect()
}

/// The 12-character logical terminal address of a BIC: institution and location, terminal
/// code, branch (`XXX` for an 8-character BIC).
fn push_terminal(out: &mut String, bic: &Bic, terminal: char) {
    out.push_str(bic.bic8());
    out.push(terminal);
    out.push_str(bic.as_str().get(8..11).unwrap_or("XXX"));
}

/// Writes `text` from the current position with `first_width` characters of room, each of its
/// `\n`-separated lines starting a new SWIFT line of `width` characters.
fn push_block(
    out: &mut String,
    text: &str,
    first_width: usize,
    width: usize,
    may_continue: MayContinue,
) {
    for (i, line) in text.split('\n').enumerate() {
        let room = if i == 0 {
            first_width
        } else {
            out.push('\n');
            start_continuation(out, line, width, may_continue)
        };
        push_wrapped(out, line, room, width, may_continue);
    }
}

/// Writes one line of text, breaking it into SWIFT lines of at most `first_width` characters
/// (the first) and `width` (the rest).
fn push_wrapped(
    out: &mut String,
    text: &str,
    first_width: usize,
    width: usize,
    may_continue: MayContinue,
) {
    let mut rest = text;
    let mut room = first_width;
    while let Some(limit) = char_offset(rest, room) {
        let (piece, next) = break_at_space(rest, limit, may_continue)
            .unwrap_or_else(|| break_in_word(rest, limit, may_continue));
        out.push_str(piece);
        out.push('\n');
        room = start_continuation(out, next, width, may_continue);
        rest = next;
    }
    out.push_str(rest);
}

/// Opens a continuation line for `next` and returns its room out of `width`. A line that would
/// read as a tag, block end or new clause is indented by one space, which import keeps as text.
fn start_continuation(
    out: &mut String,
    next: &str,
    width: usize,
    may_continue: MayContinue,
) -> usize {
    if continues(next, may_continue) {
        width
    } else {
        out.push(' ');
        width.saturating_sub(1)
    }
}

fn continues(line: &str, may_continue: MayContinue) -> bool {
    !line.starts_with([':', '-']) && may_continue(line)
}

/// The byte offset of character number `width` of `text`, if `text` is longer than `width`.
fn char_offset(text: &str, width: usize) -> Option<usize> {
    if text.len() <= width {
        return None;
    }
    text.char_indices().nth(width).map(|(offset, _)| offset)
}

/// The last space at or before `limit` that leaves text on both sides and a next line that may
/// continue the field; the space itself is dropped.
fn break_at_space(text: &str, limit: usize, may_continue: MayContinue) -> Option<(&str, &str)> {
    let bytes = text.as_bytes();
    (1..=limit)
        .rev()
        .filter(|&i| bytes[i] == b' ' && i + 1 < text.len())
        .find(|&i| continues(&text[i + 1..], may_continue))
        .map(|i| (&text[..i], &text[i + 1..]))
}

/// A break inside a word, as late as the next line allows; at `limit` if no place does.
fn break_in_word(text: &str, limit: usize, may_continue: MayContinue) -> (&str, &str) {
    let at = (1..=limit)
        .rev()
        .filter(|&i| text.is_char_boundary(i))
        .find(|&i| continues(&text[i..], may_continue))
        .unwrap_or(limit);
    text.split_at(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wrapped(text: &str, first_width: usize, may_continue: MayContinue) -> Vec<String> {
        let mut out = String::new();
        push_wrapped(
            &mut out,
            text,
            first_width,
            LINE_WIDTH_MAX_CHARS,
            may_continue,
        );
        out.split('\n').map(str::to_string).collect()
    }

    fn no_plus(line: &str) -> bool {
        !line.starts_with('+')
    }

    #[test]
    fn breaks_at_the_last_space_that_fits() {
        let text = format!("{} {} {}", "A".repeat(40), "B".repeat(24), "C".repeat(10));
        assert_eq!(
            wrapped(&text, 65, any_line),
            [
                format!("{} {}", "A".repeat(40), "B".repeat(24)),
                "C".repeat(10)
            ]
        );
        // A space exactly at the width is a valid break.
        let text = format!("{} {}", "A".repeat(65), "B");
        assert_eq!(
            wrapped(&text, 65, any_line),
            ["A".repeat(65), "B".to_string()]
        );
    }

    #[test]
    fn never_starts_a_line_that_reads_as_something_else() {
        // The last space that fits would open a line with '+': the one before is used.
        let text = format!("{} {} +{}", "A".repeat(30), "B".repeat(30), "C".repeat(10));
        assert_eq!(
            wrapped(&text, 65, no_plus),
            [
                "A".repeat(30),
                format!("{} +{}", "B".repeat(30), "C".repeat(10))
            ]
        );
        // No usable space: the break keeps the blank in front of '-'.
        let text = format!("{} -X", "A".repeat(64));
        assert_eq!(
            wrapped(&text, 65, any_line),
            ["A".repeat(64), " -X".to_string()]
        );
    }

    #[test]
    fn long_words_break_inside_and_lines_fit() {
        let text = "X".repeat(150);
        let lines = wrapped(&text, 60, any_line);
        assert_eq!(
            lines.iter().map(String::len).collect::<Vec<_>>(),
            [60, 65, 25]
        );
        let colons = ":".repeat(70);
        let lines = wrapped(&colons, 65, any_line);
        assert_eq!(lines, [":".repeat(65), format!(" {}", ":".repeat(5))]);
        for line in &lines {
            assert!(line.chars().count() <= LINE_WIDTH_MAX_CHARS);
        }
    }

    #[test]
    fn counts_characters_not_bytes() {
        let text = "Ä".repeat(70);
        let lines = wrapped(&text, 65, any_line);
        assert_eq!(
            lines.iter().map(|l| l.chars().count()).collect::<Vec<_>>(),
            [65, 5]
        );
    }

    #[test]
    fn narrow_fields_wrap_to_their_width() {
        let text = format!("{} {} {}", "A".repeat(30), "B".repeat(30), "C".repeat(40));
        let lines = wrap(&text, 45, 35, any_line);
        assert_eq!(
            lines,
            [
                "A".repeat(30),
                "B".repeat(30),
                "C".repeat(35),
                "C".repeat(5)
            ]
        );
        // A `\n` starts a line; a line that would read as a block end is indented.
        let lines = wrap("FIRST\n-SECOND", 35, 35, any_line);
        assert_eq!(lines, ["FIRST", " -SECOND"]);
        let lines = wrap(&format!("{} +X", "Y".repeat(34)), 35, 35, no_plus);
        assert_eq!(lines, ["Y".repeat(34), " +X".to_string()]);
    }

    #[test]
    fn headers_only_with_both_banks() {
        let kz: Bic = "STCBKZKAXXX".parse().unwrap();
        let cn: Bic = "TSCMCNBJ".parse().unwrap();
        let mut writer = Writer::new(Some(&kz), Some(&cn), "700");
        writer.text("20", "SCB/1");
        assert_eq!(
            writer.finish(),
            "{1:F01STCBKZKAAXXX0000000000}{2:I700TSCMCNBJXXXXN}{4:\n:20:SCB/1\n-}"
        );
        let mut writer = Writer::new(Some(&kz), None, "700");
        writer.lines("50", ["NAME", "", "ADDRESS"]);
        writer.clauses("46A", [("+", "A"), ("+", "B")], no_plus);
        assert_eq!(writer.finish(), ":50:NAME\nADDRESS\n:46A:+A\n+B\n");
    }
}
