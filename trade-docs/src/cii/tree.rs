//! A read-only element tree built from untrusted XML, with the security limits applied.
//!
//! [`Tree::parse`] runs quick-xml's namespace-aware pull parser once over the input and keeps
//! every element in one arena: its namespace (reduced to the four CII namespaces), local name,
//! text, the few attributes the importer reads, and its byte offset (for line numbers in
//! errors). It refuses a DOCTYPE, entity references other than the predefined five and numeric
//! character references, unclosed or mismatched elements, content after the root, nesting over
//! [`CII_DEPTH_MAX`], more than [`CII_ELEMENTS_MAX`] elements and input over
//! [`CII_SIZE_MAX_BYTES`]. It deliberately knows nothing of invoices beyond the root's name.
//!
//! Invariants: node 0 is the root `rsm:CrossIndustryInvoice`; every node but the root has a
//! parent with a smaller index; sibling links follow document order. Names and text borrow
//! from the input wherever no unescaping was needed, so a typical invoice allocates little.

use std::borrow::Cow;

use quick_xml::encoding::Decoder;
use quick_xml::escape::EscapeError;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

use super::{
    CiiError, CII_DEPTH_MAX, CII_ELEMENTS_MAX, CII_SIZE_MAX_BYTES, NS_QDT, NS_RAM, NS_RSM, NS_UDT,
};

/// The namespaces an element can be in, as far as CII is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Ns {
    Rsm,
    Ram,
    Udt,
    Qdt,
    /// No namespace at all.
    Unqualified,
    /// A namespace CII does not define (an extension); such elements are never read.
    Foreign,
}

/// The attributes the importer reads. Every other attribute is still unescaped (so a
/// forbidden entity reference in it is refused) and then dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum AttrName {
    UnitCode,
    CurrencyId,
    SchemeId,
    Format,
    ListId,
}

/// The parsed document.
#[derive(Debug)]
pub(super) struct Tree<'i> {
    xml: &'i str,
    nodes: Vec<Node<'i>>,
    attrs: Vec<(AttrName, String)>,
}

/// A handle on one element of a [`Tree`].
#[derive(Clone, Copy, Debug)]
pub(super) struct El<'t, 'i> {
    tree: &'t Tree<'i>,
    id: u32,
}

/// The children of an element, in document order.
#[derive(Clone, Debug)]
pub(super) struct Children<'t, 'i> {
    tree: &'t Tree<'i>,
    next: u32,
}

impl<'i> Tree<'i> {
    /// Parses `xml` into a tree whose root is `rsm:CrossIndustryInvoice`.
    pub(super) fn parse(xml: &'i str) -> Result<Tree<'i>, CiiError> {
        if xml.len() > CII_SIZE_MAX_BYTES {
            return Err(CiiError::TooLarge {
                size_bytes: xml.len(),
                max_bytes: CII_SIZE_MAX_BYTES,
            });
        }
        let mut builder = Builder::new(xml);
        let mut reader = NsReader::from_str(xml);
        // Hot loop: one iteration per XML event.
        loop {
            let offset = to_usize(reader.buffer_position());
            let (resolved, event) = match reader.read_resolved_event() {
                Ok(pair) => pair,
                Err(err) => {
                    let at = to_usize(reader.error_position()).max(offset);
                    return Err(builder.xml_error(at, &err));
                }
            };
            let ns = builder.namespace(&resolved, offset)?;
            if let Event::Eof = event {
                return builder.finish(offset);
            }
            builder.event(reader.decoder(), ns, event, offset)?;
        }
    }

    /// The root element, `rsm:CrossIndustryInvoice`.
    pub(super) fn root(&self) -> El<'_, 'i> {
        El { tree: self, id: 0 }
    }

    /// The 1-based line of a byte offset.
    fn line_at(&self, offset: usize) -> usize {
        line_of(self.xml, offset)
    }
}

impl<'t, 'i> El<'t, 'i> {
    pub(super) fn children(self) -> Children<'t, 'i> {
        Children {
            tree: self.tree,
            next: self.node().first_child,
        }
    }

    /// The children with this canonical name.
    pub(super) fn all<'n>(self, name: &'n str) -> Named<'t, 'i, 'n> {
        let (ns, local) = split_name(name);
        Named {
            children: self.children(),
            ns,
            local,
        }
    }

    /// The first child with this canonical name.
    pub(super) fn first(self, name: &str) -> Option<El<'t, 'i>> {
        self.all(name).next()
    }

    /// Follows a `/`-separated path of canonical names, taking the first match at each step.
    pub(super) fn find(self, path: &str) -> Option<El<'t, 'i>> {
        path.split('/').try_fold(self, |el, step| el.first(step))
    }

    /// Like [`El::find`], but a missing step is an error naming the full path.
    pub(super) fn require(self, path: &str) -> Result<El<'t, 'i>, CiiError> {
        let mut el = self;
        for step in path.split('/') {
            match el.first(step) {
                Some(child) => el = child,
                None => return Err(self.missing(path)),
            }
        }
        Ok(el)
    }

    /// The text content without leading or trailing whitespace.
    pub(super) fn text(self) -> &'t str {
        self.node().text.trim()
    }

    /// The element's text when it is not blank.
    pub(super) fn nonblank_text(self) -> Option<&'t str> {
        Some(self.text()).filter(|t| !t.is_empty())
    }

    pub(super) fn attr(self, name: AttrName) -> Option<&'t str> {
        let node = self.node();
        let start = node.attrs_start as usize;
        let end = start + usize::from(node.attrs_len);
        self.tree.attrs[start..end]
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.trim())
    }

    /// The 1-based line where the element starts.
    pub(super) fn line(self) -> usize {
        self.tree.line_at(self.node().offset as usize)
    }

    /// The element's absolute path, with a 1-based index on elements that have same-named
    /// siblings: `/rsm:CrossIndustryInvoice/.../ram:IncludedSupplyChainTradeLineItem[2]/...`.
    pub(super) fn path(self) -> String {
        let mut segments = Vec::new();
        let mut id = self.id;
        loop {
            let node = &self.tree.nodes[id as usize];
            segments.push(self.tree.segment(id));
            if node.parent == NONE {
                break;
            }
            id = node.parent;
        }
        segments.reverse();
        let mut path = String::new();
        for segment in segments {
            path.push('/');
            path.push_str(&segment);
        }
        path
    }

    /// The error for a required descendant (`rel`, relative to this element) that is absent.
    pub(super) fn missing(self, rel: &str) -> CiiError {
        CiiError::Missing {
            path: format!("{}/{rel}", self.path()),
            line: self.line(),
        }
    }

    /// The error for a value of this element that cannot be used.
    pub(super) fn bad_value(self, value: &str, reason: impl Into<String>) -> CiiError {
        CiiError::BadValue {
            path: self.path(),
            line: self.line(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }

    /// The error for an attribute value of this element that cannot be used.
    pub(super) fn bad_attr(self, attr: &str, value: &str, reason: impl Into<String>) -> CiiError {
        CiiError::BadValue {
            path: format!("{}/@{attr}", self.path()),
            line: self.line(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }

    fn node(self) -> &'t Node<'i> {
        &self.tree.nodes[self.id as usize]
    }
}

/// The children of an element that have one name, in document order.
#[derive(Clone, Debug)]
pub(super) struct Named<'t, 'i, 'n> {
    children: Children<'t, 'i>,
    ns: Ns,
    local: &'n str,
}

impl<'t, 'i> Iterator for Named<'t, 'i, '_> {
    type Item = El<'t, 'i>;

    fn next(&mut self) -> Option<Self::Item> {
        let (ns, local) = (self.ns, self.local);
        self.children
            .find(|c| c.node().ns == ns && c.node().local == local)
    }
}

impl<'t, 'i> Iterator for Children<'t, 'i> {
    type Item = El<'t, 'i>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.next == NONE {
            return None;
        }
        let el = El {
            tree: self.tree,
            id: self.next,
        };
        self.next = self.tree.nodes[self.next as usize].next_sibling;
        Some(el)
    }
}

/// "No node" in the arena's links.
const NONE: u32 = u32::MAX;

#[derive(Debug)]
struct Node<'i> {
    ns: Ns,
    local: Cow<'i, str>,
    text: Cow<'i, str>,
    parent: u32,
    first_child: u32,
    last_child: u32,
    next_sibling: u32,
    attrs_start: u32,
    attrs_len: u8,
    /// Byte offset of the element's `<`.
    offset: u32,
}

impl Ns {
    fn of_uri(uri: &[u8]) -> Ns {
        match uri {
            u if u == NS_RAM.as_bytes() => Ns::Ram,
            u if u == NS_UDT.as_bytes() => Ns::Udt,
            u if u == NS_RSM.as_bytes() => Ns::Rsm,
            u if u == NS_QDT.as_bytes() => Ns::Qdt,
            _ => Ns::Foreign,
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Ns::Rsm => "rsm:",
            Ns::Ram => "ram:",
            Ns::Udt => "udt:",
            Ns::Qdt => "qdt:",
            Ns::Unqualified => "",
            Ns::Foreign => "ext:",
        }
    }
}

impl AttrName {
    fn of_key(key: &[u8]) -> Option<AttrName> {
        match key {
            b"unitCode" => Some(AttrName::UnitCode),
            b"currencyID" => Some(AttrName::CurrencyId),
            b"schemeID" => Some(AttrName::SchemeId),
            b"format" => Some(AttrName::Format),
            b"listID" => Some(AttrName::ListId),
            _ => None,
        }
    }
}

/// Splits a canonical name (`ram:ID`) into namespace and local name.
fn split_name(name: &str) -> (Ns, &str) {
    match name.split_once(':') {
        Some(("ram", local)) => (Ns::Ram, local),
        Some(("udt", local)) => (Ns::Udt, local),
        Some(("rsm", local)) => (Ns::Rsm, local),
        Some(("qdt", local)) => (Ns::Qdt, local),
        Some((_, local)) => (Ns::Foreign, local),
        None => (Ns::Unqualified, name),
    }
}

impl Tree<'_> {
    /// One path segment: the canonical name, with an index when it has same-named siblings.
    fn segment(&self, id: u32) -> String {
        let node = &self.nodes[id as usize];
        let name = format!("{}{}", node.ns.prefix(), node.local);
        if node.parent == NONE {
            return name;
        }
        let parent = El {
            tree: self,
            id: node.parent,
        };
        let same = |c: &El<'_, '_>| c.node().ns == node.ns && c.node().local == node.local;
        let count = parent.children().filter(same).count();
        if count < 2 {
            return name;
        }
        let position = parent
            .children()
            .filter(same)
            .position(|c| c.id == id)
            .map_or(0, |p| p + 1);
        format!("{name}[{position}]")
    }
}

/// Builds the arena while the reader streams events.
struct Builder<'i> {
    xml: &'i str,
    nodes: Vec<Node<'i>>,
    attrs: Vec<(AttrName, String)>,
    /// The open elements, innermost last.
    stack: Vec<u32>,
    root_closed: bool,
}

impl<'i> Builder<'i> {
    fn new(xml: &'i str) -> Builder<'i> {
        Builder {
            xml,
            // About one element per 40 bytes in pretty-printed CII.
            nodes: Vec::with_capacity(xml.len() / 40 + 1),
            attrs: Vec::new(),
            stack: Vec::with_capacity(CII_DEPTH_MAX),
            root_closed: false,
        }
    }

    fn namespace(&self, resolved: &ResolveResult<'_>, offset: usize) -> Result<Ns, CiiError> {
        match resolved {
            ResolveResult::Bound(ns) => Ok(Ns::of_uri(ns.0)),
            ResolveResult::Unbound => Ok(Ns::Unqualified),
            ResolveResult::Unknown(prefix) => Err(self.malformed(
                offset,
                format!(
                    "namespace prefix '{}' is not declared",
                    String::from_utf8_lossy(prefix)
                ),
            )),
        }
    }

    /// Applies one event other than end of input (hot path: called once per event).
    fn event(
        &mut self,
        decoder: Decoder,
        ns: Ns,
        event: Event<'i>,
        offset: usize,
    ) -> Result<(), CiiError> {
        let undecodable = |e| self.malformed(offset, format!("undecodable text: {e}"));
        match event {
            Event::Start(start) => self.open(decoder, ns, &start, offset),
            Event::Empty(start) => {
                self.open(decoder, ns, &start, offset)?;
                self.close();
                Ok(())
            }
            Event::End(_) => {
                self.close();
                Ok(())
            }
            Event::Text(text) => {
                let content = text.xml10_content().map_err(undecodable)?;
                self.text(content, offset)
            }
            Event::CData(data) => {
                let content = data.xml10_content().map_err(undecodable)?;
                self.text(content, offset)
            }
            Event::GeneralRef(reference) => self.reference(&reference, offset),
            Event::DocType(_) => Err(CiiError::Doctype {
                line: self.line_at(offset),
            }),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::Eof => Ok(()),
        }
    }

    /// Adds an element and makes it the innermost open one.
    fn open(
        &mut self,
        decoder: Decoder,
        ns: Ns,
        start: &BytesStart<'_>,
        offset: usize,
    ) -> Result<(), CiiError> {
        self.check_open(ns, start, offset)?;
        let attrs_start = self.attrs.len();
        self.read_attributes(decoder, start, offset)?;
        let local = self.local_name(start, offset)?;
        let id = u32::try_from(self.nodes.len()).unwrap_or(NONE);
        let parent = self.stack.last().copied().unwrap_or(NONE);
        self.nodes.push(Node {
            ns,
            local,
            text: Cow::Borrowed(""),
            parent,
            first_child: NONE,
            last_child: NONE,
            next_sibling: NONE,
            attrs_start: u32::try_from(attrs_start).unwrap_or(NONE),
            attrs_len: u8::try_from(self.attrs.len() - attrs_start).unwrap_or(u8::MAX),
            offset: u32::try_from(offset).unwrap_or(NONE),
        });
        if parent != NONE {
            let previous = self.nodes[parent as usize].last_child;
            if previous == NONE {
                self.nodes[parent as usize].first_child = id;
            } else {
                self.nodes[previous as usize].next_sibling = id;
            }
            self.nodes[parent as usize].last_child = id;
        }
        self.stack.push(id);
        Ok(())
    }

    /// The limits and the root check, applied before an element is added.
    fn check_open(&self, ns: Ns, start: &BytesStart<'_>, offset: usize) -> Result<(), CiiError> {
        let qname = || String::from_utf8_lossy(start.name().as_ref()).into_owned();
        if self.root_closed {
            return Err(self.malformed(
                offset,
                format!("element '{}' after the end of the root element", qname()),
            ));
        }
        if self.nodes.is_empty() {
            let local = start.local_name();
            if ns != Ns::Rsm || local.as_ref() != b"CrossIndustryInvoice" {
                let found = match ns {
                    Ns::Unqualified => format!("'{}' in no namespace", qname()),
                    Ns::Foreign => format!("'{}' in a foreign namespace", qname()),
                    _ => format!("'{}'", qname()),
                };
                return Err(CiiError::WrongRoot {
                    found,
                    line: self.line_at(offset),
                });
            }
        }
        if self.stack.len() >= CII_DEPTH_MAX {
            return Err(CiiError::TooDeep {
                path: format!("{}/{}", self.open_path(), qname()),
                line: self.line_at(offset),
                max: CII_DEPTH_MAX,
            });
        }
        if self.nodes.len() >= CII_ELEMENTS_MAX {
            return Err(CiiError::TooManyElements {
                line: self.line_at(offset),
                max: CII_ELEMENTS_MAX,
            });
        }
        Ok(())
    }

    /// Unescapes every attribute (refusing forbidden entity references) and keeps the ones
    /// the importer reads.
    fn read_attributes(
        &mut self,
        decoder: Decoder,
        start: &BytesStart<'_>,
        offset: usize,
    ) -> Result<(), CiiError> {
        for attr in start.attributes() {
            let attr = attr.map_err(|e| self.malformed(offset, format!("bad attribute: {e}")))?;
            let value = attr
                .decode_and_unescape_value(decoder)
                .map_err(|err| match err {
                    quick_xml::Error::Escape(EscapeError::UnrecognizedEntity(_, name)) => {
                        CiiError::EntityReference {
                            path: format!(
                                "{}/{}/@{}",
                                self.open_path(),
                                String::from_utf8_lossy(start.name().as_ref()),
                                String::from_utf8_lossy(attr.key.as_ref())
                            ),
                            line: self.line_at(offset),
                            name,
                        }
                    }
                    other => self.xml_error(offset, &other),
                })?;
            if let Some(name) = AttrName::of_key(attr.key.as_ref()) {
                self.attrs.push((name, value.into_owned()));
            }
        }
        Ok(())
    }

    /// The local name, borrowed from the input when possible: a start tag is `<` followed
    /// directly by its qualified name, so the name sits at `offset + 1`. The borrowed slice is
    /// checked against the parser's view, and copied if the two ever differ.
    fn local_name(&self, start: &BytesStart<'_>, offset: usize) -> Result<Cow<'i, str>, CiiError> {
        let qname = start.name();
        let qname = qname.as_ref();
        let local_len = start.local_name().as_ref().len();
        let end = offset + 1 + qname.len();
        let borrowed = self
            .xml
            .get(offset + 1..end)
            .filter(|s| s.as_bytes() == qname)
            .and_then(|s| s.get(s.len() - local_len..));
        if let Some(local) = borrowed {
            return Ok(Cow::Borrowed(local));
        }
        std::str::from_utf8(start.local_name().as_ref())
            .map(|s| Cow::Owned(s.to_string()))
            .map_err(|_| self.malformed(offset, "element name is not UTF-8"))
    }

    fn close(&mut self) {
        self.stack.pop();
        if self.stack.is_empty() {
            self.root_closed = true;
        }
    }

    /// Appends character data to the innermost open element. Whitespace before an element's
    /// first character data is dropped: values are trimmed anyway, and this skips the
    /// indentation between elements without allocating.
    fn text(&mut self, piece: Cow<'i, str>, offset: usize) -> Result<(), CiiError> {
        let blank = piece
            .bytes()
            .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
        let Some(&top) = self.stack.last() else {
            if blank {
                return Ok(());
            }
            return Err(self.malformed(offset, "text outside the root element"));
        };
        let node = &mut self.nodes[top as usize];
        if node.text.is_empty() {
            if !blank {
                node.text = piece;
            }
        } else {
            node.text.to_mut().push_str(&piece);
        }
        Ok(())
    }

    /// Resolves `&name;`: the five predefined entities and numeric character references only.
    fn reference(&mut self, reference: &BytesRef<'_>, offset: usize) -> Result<(), CiiError> {
        if reference.is_char_ref() {
            let ch = reference
                .resolve_char_ref()
                .map_err(|e| self.malformed(offset, format!("bad character reference: {e}")))?;
            let ch = ch.ok_or_else(|| self.malformed(offset, "bad character reference"))?;
            return self.text(Cow::Owned(ch.to_string()), offset);
        }
        let name = String::from_utf8_lossy(reference);
        let resolved = match name.as_ref() {
            "lt" => "<",
            "gt" => ">",
            "amp" => "&",
            "apos" => "'",
            "quot" => "\"",
            _ => {
                return Err(CiiError::EntityReference {
                    path: self.open_path(),
                    line: self.line_at(offset),
                    name: name.into_owned(),
                })
            }
        };
        self.text(Cow::Borrowed(resolved), offset)
    }

    fn finish(self, offset: usize) -> Result<Tree<'i>, CiiError> {
        if self.nodes.is_empty() {
            return Err(self.malformed(offset, "no root element"));
        }
        if !self.stack.is_empty() {
            return Err(self.malformed(
                offset,
                format!("input ends inside {} (truncated?)", self.open_path()),
            ));
        }
        Ok(Tree {
            xml: self.xml,
            nodes: self.nodes,
            attrs: self.attrs,
        })
    }

    /// The path of the innermost open element (`/` before the root).
    fn open_path(&self) -> String {
        let mut path = String::new();
        for &id in &self.stack {
            let node = &self.nodes[id as usize];
            path.push('/');
            path.push_str(node.ns.prefix());
            path.push_str(&node.local);
        }
        if path.is_empty() {
            path.push('/');
        }
        path
    }

    fn line_at(&self, offset: usize) -> usize {
        line_of(self.xml, offset)
    }

    fn malformed(&self, offset: usize, reason: impl Into<String>) -> CiiError {
        CiiError::Malformed {
            line: self.line_at(offset),
            offset,
            reason: reason.into(),
        }
    }

    fn xml_error(&self, offset: usize, err: &quick_xml::Error) -> CiiError {
        // quick-xml's messages start with a capital or a backtick; ours are lower case.
        self.malformed(offset, err.to_string().to_lowercase())
    }
}

/// The 1-based line of a byte offset (clamped to the input).
fn line_of(xml: &str, offset: usize) -> usize {
    let end = offset.min(xml.len());
    1 + xml.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

fn to_usize(position: u64) -> usize {
    // Input is capped at a few MiB, so a position always fits.
    usize::try_from(position).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = r#"<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100">"#;

    fn doc(body: &str) -> String {
        format!("{HEAD}\n{body}\n</rsm:CrossIndustryInvoice>")
    }

    #[test]
    fn builds_paths_lines_and_text() {
        let xml = doc("<ram:A>\n <ram:B x=\"1\" unitCode=\" C62 \">a &amp; b&#x41;</ram:B>\n <ram:B/>\n</ram:A>");
        let tree = Tree::parse(&xml).unwrap();
        let a = tree.root().require("ram:A").unwrap();
        let bs: Vec<_> = a.all("ram:B").collect();
        assert_eq!(bs.len(), 2);
        assert_eq!(bs[0].text(), "a & bA");
        assert_eq!(bs[0].attr(AttrName::UnitCode), Some("C62"));
        assert_eq!(bs[0].line(), 3);
        assert_eq!(bs[1].path(), "/rsm:CrossIndustryInvoice/ram:A/ram:B[2]");
        assert_eq!(a.path(), "/rsm:CrossIndustryInvoice/ram:A");
        assert_eq!(a.text(), "");
    }

    #[test]
    fn matches_by_namespace_not_by_prefix() {
        let xml = r#"<x:CrossIndustryInvoice xmlns:x="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"><y:ID xmlns:y="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100">7</y:ID><ram:ID xmlns:ram="urn:other">8</ram:ID></x:CrossIndustryInvoice>"#;
        let tree = Tree::parse(xml).unwrap();
        let ids: Vec<_> = tree.root().all("ram:ID").map(|e| e.text()).collect();
        assert_eq!(ids, ["7"]);
    }

    #[test]
    fn missing_names_the_full_path() {
        let xml = doc("<ram:A/>");
        let tree = Tree::parse(&xml).unwrap();
        let err = tree.root().require("ram:A/ram:B/ram:C").unwrap_err();
        assert_eq!(
            err,
            CiiError::Missing {
                path: "/rsm:CrossIndustryInvoice/ram:A/ram:B/ram:C".into(),
                line: 1
            }
        );
    }

    #[test]
    fn refuses_unsafe_or_broken_input() {
        let deep = doc(&"<ram:A>".repeat(CII_DEPTH_MAX));
        let cases: Vec<(String, &str)> = vec![
            (format!("<!DOCTYPE x>{}", doc("")), "DOCTYPE"),
            (doc("<ram:A>&ent;</ram:A>"), "'&ent;'"),
            (
                doc("<ram:A b=\"&ent;\"/>"),
                "/rsm:CrossIndustryInvoice/ram:A/@b",
            ),
            (doc("<ram:A>"), "malformed"),
            (doc("<ram:A></ram:B>"), "malformed"),
            (format!("{}<x/>", doc("")), "after the end of the root"),
            (doc("<z:A/>"), "not declared"),
            ("<Invoice/>".to_string(), "'Invoice' in no namespace"),
            (deep, "nest deeper than 32"),
            (
                doc(&"<ram:A/>".repeat(CII_ELEMENTS_MAX)),
                "more than 200000 elements",
            ),
            (String::new(), "no root element"),
        ];
        for (xml, expected) in cases {
            let err = Tree::parse(&xml).unwrap_err().to_string();
            assert!(err.contains(expected), "{expected:?} not in {err:?}");
        }
    }

    #[test]
    fn refuses_oversized_input_unread() {
        let xml = " ".repeat(CII_SIZE_MAX_BYTES + 1);
        assert!(matches!(Tree::parse(&xml), Err(CiiError::TooLarge { .. })));
    }
}
