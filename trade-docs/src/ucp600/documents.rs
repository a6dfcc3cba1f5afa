//! Checks across documents: the documents 46A calls for (art. 14(a), 14(g)), the certificate
//! of origin (art. 14(f), ISBP 821 L3), data that must not conflict between documents (art.
//! 14(d)), and the credit number where the credit requires it (art. 14(h), ISBP 821 A26).
//!
//! Conflicts compare totals across all presented documents of each kind (several packing
//! lists add up against several transport documents). Masses and quantities compare by value,
//! so `22550` and `22550.0` agree. Shipping marks may add data (`SAM/ALA/2611 MADE IN CHINA`)
//! but must not contradict: one document's marks must contain the other's, by words.
//!
//! What it deliberately does not do: check copies, signatures, or the contents of clauses it
//! could not classify; those are listed, not guessed.

use std::collections::BTreeMap;

use crate::decimal::Decimal;
use crate::document::{DocumentKind, Party};

use super::report::Outcome;
use super::terms::{CalledFor, Origin, Scope};
use super::text::{compact, same_words, words, Words};
use super::{
    certificate_label, discrepancy, invoice_label, mode_name, not_applicable, packing_label,
    transport_label, verdict, Exam,
};

/// Art. 14(a): every document a classified 46A clause calls for is presented.
pub(super) fn required(exam: &Exam<'_>) -> Outcome {
    let docs = &exam.docs;
    let mut missing_clauses = Vec::new();
    let mut findings = Vec::new();
    let mut transport_missing = false;
    for clause in &exam.terms.clauses {
        let Some(calls_for) = clause.calls_for else {
            continue;
        };
        let (present, what) = presence(exam, calls_for);
        if !present {
            transport_missing |= matches!(calls_for, CalledFor::Transport(_));
            missing_clauses.push(format!("'{}'", clause.text));
            findings.push(format!("no {what} presented"));
        }
    }
    // A transport document of another mode is worth naming: it is the usual way this fails.
    if transport_missing && !docs.transport.is_empty() {
        let shown: Vec<String> = docs.transport.iter().map(|t| transport_label(t)).collect();
        findings.push(format!(
            "transport documents presented: {}",
            shown.join(", ")
        ));
    }
    verdict(
        || {
            format!(
                "documents called for by 46A: {}",
                missing_clauses.join("; ")
            )
        },
        findings,
    )
}

/// Whether a document `calls_for` names is presented, and how to name it.
fn presence(exam: &Exam<'_>, calls_for: CalledFor) -> (bool, &'static str) {
    let docs = &exam.docs;
    match calls_for {
        CalledFor::Invoice => (!docs.invoices.is_empty(), "commercial invoice"),
        CalledFor::PackingList => (!docs.packing_lists.is_empty(), "packing list"),
        CalledFor::CertificateOfOrigin => (!docs.certificates.is_empty(), "certificate of origin"),
        CalledFor::Transport(mode) => (
            docs.transport.iter().any(|t| t.mode == mode),
            mode_name(mode),
        ),
    }
}

/// The 46A clauses not classified: listed, not silently ignored.
pub(super) fn not_examined(exam: &Exam<'_>) -> Outcome {
    let unread: Vec<String> = exam
        .terms
        .clauses
        .iter()
        .filter(|c| c.calls_for.is_none())
        .map(|c| format!("'{}'", c.text))
        .collect();
    if unread.is_empty() {
        return Outcome::Pass;
    }
    not_applicable(format!(
        "not examined, verify by hand: {}",
        unread.join("; ")
    ))
}

/// Art. 14(g): documents presented but not called for are disregarded.
pub(super) fn not_required(exam: &Exam<'_>) -> Outcome {
    let set_aside = &exam.docs.disregarded;
    if set_aside.is_empty() {
        return Outcome::Pass;
    }
    not_applicable(format!(
        "not called for by 46A, so disregarded and not examined: {}",
        set_aside.join(", ")
    ))
}

const NO_CERTIFICATE: &str = "no certificate of origin presented";

/// Art. 14(f), ISBP 821 L3: the certificate shows the country of origin the credit requires.
pub(super) fn origin_country(exam: &Exam<'_>) -> Outcome {
    let (country, source) = match exam.terms.origin {
        Origin::NotStated => return not_applicable("the credit requires no country of origin"),
        Origin::Unreadable(text) => {
            return not_applicable(format!(
                "the required country of origin could not be read from '{text}'; verify by hand"
            ))
        }
        Origin::Required(country, source) => (country, source),
    };
    if exam.docs.certificates.is_empty() {
        return not_applicable(NO_CERTIFICATE);
    }
    let wrong = exam
        .docs
        .certificates
        .iter()
        .filter(|c| c.country_of_origin != country)
        .map(|c| format!("{} shows {}", certificate_label(c), c.country_of_origin))
        .collect();
    verdict(
        || format!("country of origin {country} ('{source}')"),
        wrong,
    )
}

/// The CCPIT's full name, accepted wherever a credit asks for the acronym.
const CCPIT: &str = "CHINA COUNCIL FOR THE PROMOTION OF INTERNATIONAL TRADE";

/// The certificate is issued by the issuer 46A names (`ISSUED BY CCPIT`).
pub(super) fn origin_issuer(exam: &Exam<'_>) -> Outcome {
    let Some((issuer, source)) = &exam.terms.origin_issuer else {
        return not_applicable("46A names no issuer for the certificate of origin");
    };
    if exam.docs.certificates.is_empty() {
        return not_applicable(NO_CERTIFICATE);
    }
    let acronym = issuer.len() == 1 && issuer.get(0) == Some("CCPIT");
    let full_name = words(CCPIT);
    let wrong = exam
        .docs
        .certificates
        .iter()
        .filter(|c| {
            let name = words(&c.issuer.name);
            let named = name.contains_run(issuer) || (acronym && name.contains_run(&full_name));
            !named
        })
        .map(|c| format!("{} issued by '{}'", certificate_label(c), c.issuer.name))
        .collect();
    verdict(|| format!("issued by '{issuer}' (46A: '{source}')"), wrong)
}

/// Quantities by unit code, added up.
type Quantities = BTreeMap<String, Decimal>;

fn add_quantity(map: &mut Quantities, unit: &str, quantity: Decimal) {
    let entry = map
        .entry(unit.trim().to_ascii_uppercase())
        .or_insert(Decimal::ZERO);
    *entry = entry.checked_add(quantity).unwrap_or(*entry);
}

fn same_quantities(a: &Quantities, b: &Quantities) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|((ua, qa), (ub, qb))| ua == ub && qa.cmp(qb).is_eq())
}

fn show_quantities(map: &Quantities) -> String {
    let parts: Vec<String> = map.iter().map(|(u, q)| format!("{q} {u}")).collect();
    parts.join(" + ")
}

/// Art. 14(d): invoice and packing list show the same quantities.
pub(super) fn consistent_quantity(exam: &Exam<'_>) -> Outcome {
    let docs = &exam.docs;
    if docs.invoices.is_empty() || docs.packing_lists.is_empty() {
        return not_applicable("needs an invoice and a packing list");
    }
    let mut invoiced = Quantities::new();
    for line in docs.invoices.iter().flat_map(|i| &i.lines) {
        add_quantity(&mut invoiced, &line.unit, line.quantity);
    }
    let mut packed = Quantities::new();
    for line in docs.packing_lists.iter().flat_map(|p| &p.lines) {
        add_quantity(&mut packed, &line.unit, line.quantity);
    }
    if same_quantities(&invoiced, &packed) {
        return Outcome::Pass;
    }
    let invoices: Vec<String> = docs.invoices.iter().map(|i| invoice_label(i)).collect();
    let lists: Vec<String> = docs
        .packing_lists
        .iter()
        .map(|p| packing_label(p))
        .collect();
    discrepancy(
        "the same quantities on the invoice and the packing list",
        format!(
            "{} shows {}; {} shows {}",
            invoices.join(", "),
            show_quantities(&invoiced),
            lists.join(", "),
            show_quantities(&packed)
        ),
    )
}

/// Art. 14(d): packing list and transport document show the same gross mass.
pub(super) fn consistent_gross_mass(exam: &Exam<'_>) -> Outcome {
    let docs = &exam.docs;
    compare_totals(
        exam,
        "gross mass",
        Decimal::sum(docs.packing_lists.iter().map(|p| p.total_gross_mass_kg)),
        Decimal::sum(docs.transport.iter().map(|t| t.gross_mass_kg)),
        " kg",
    )
}

/// Art. 14(d): packing list and transport document show the same number of packages.
pub(super) fn consistent_package_count(exam: &Exam<'_>) -> Outcome {
    let docs = &exam.docs;
    let count = |n: u64| i64::try_from(n).ok().map(Decimal::from_int);
    compare_totals(
        exam,
        "number of packages",
        count(
            docs.packing_lists
                .iter()
                .map(|p| u64::from(p.total_packages))
                .sum(),
        ),
        count(
            docs.transport
                .iter()
                .map(|t| u64::from(t.package_count))
                .sum(),
        ),
        " packages",
    )
}

/// Compares a packing-list total with a transport-document total.
fn compare_totals(
    exam: &Exam<'_>,
    what: &str,
    packed: Option<Decimal>,
    carried: Option<Decimal>,
    unit: &str,
) -> Outcome {
    let docs = &exam.docs;
    if docs.packing_lists.is_empty() || docs.transport.is_empty() {
        return not_applicable("needs a packing list and a transport document");
    }
    let (Some(packed), Some(carried)) = (packed, carried) else {
        return not_applicable(format!("the {what} totals overflow"));
    };
    if packed.cmp(&carried).is_eq() {
        return Outcome::Pass;
    }
    let lists: Vec<String> = docs
        .packing_lists
        .iter()
        .map(|p| packing_label(p))
        .collect();
    let carriers: Vec<String> = docs.transport.iter().map(|t| transport_label(t)).collect();
    discrepancy(
        format!("the same {what} on the packing list and the transport document"),
        format!(
            "{} shows {packed}{unit}; {} shows {carried}{unit}",
            lists.join(", "),
            carriers.join(", ")
        ),
    )
}

/// Art. 14(d): shipping marks do not conflict; one may add to another.
pub(super) fn consistent_shipping_marks(exam: &Exam<'_>) -> Outcome {
    let docs = &exam.docs;
    let invoices = docs
        .invoices
        .iter()
        .filter_map(|d| Some((invoice_label(d), d.shipping_marks.as_deref()?)));
    let lists = docs
        .packing_lists
        .iter()
        .filter_map(|d| Some((packing_label(d), d.shipping_marks.as_deref()?)));
    let carried = docs
        .transport
        .iter()
        .filter_map(|d| Some((transport_label(d), d.shipping_marks.as_deref()?)));
    let marked: Vec<(String, &str)> = invoices.chain(lists).chain(carried).collect();
    let Some((first_label, first_marks)) = marked.first() else {
        return not_applicable("no document shows shipping marks");
    };
    if marked.len() < 2 {
        return not_applicable("only one document shows shipping marks");
    }
    let reference = words(first_marks);
    let conflicts = marked[1..]
        .iter()
        .filter(|(_, marks)| {
            let these = words(marks);
            !these.contains_run(&reference) && !reference.contains_run(&these)
        })
        .map(|(label, marks)| format!("{label} shows '{marks}'"))
        .collect();
    verdict(
        || format!("shipping marks as on {first_label}: '{first_marks}'"),
        conflicts,
    )
}

/// Art. 14(d): packing lists and certificates that name an invoice name a presented one.
pub(super) fn consistent_invoice_number(exam: &Exam<'_>) -> Outcome {
    let docs = &exam.docs;
    if docs.invoices.is_empty() {
        return not_applicable("no commercial invoice presented");
    }
    let lists = docs
        .packing_lists
        .iter()
        .filter_map(|d| Some((packing_label(d), d.invoice_number.as_deref()?)));
    let certificates = docs
        .certificates
        .iter()
        .filter_map(|d| Some((certificate_label(d), d.invoice_number.as_deref()?)));
    let references: Vec<(String, &str)> = lists.chain(certificates).collect();
    if references.is_empty() {
        return not_applicable("no other document names an invoice number");
    }
    let numbers: Vec<String> = docs.invoices.iter().map(|i| compact(&i.number)).collect();
    let wrong = references
        .iter()
        .filter(|(_, number)| !numbers.contains(&compact(number)))
        .map(|(label, number)| format!("{label} names invoice '{number}'"))
        .collect();
    let presented = || {
        let numbers: Vec<&str> = docs.invoices.iter().map(|i| i.number.as_str()).collect();
        format!("references to the presented invoice {}", numbers.join(", "))
    };
    verdict(presented, wrong)
}

/// Art. 14(d): the invoice's country of origin, where shown, is the certificate's.
pub(super) fn consistent_origin(exam: &Exam<'_>) -> Outcome {
    let docs = &exam.docs;
    let stated: Vec<(String, crate::codes::Country)> = docs
        .invoices
        .iter()
        .filter_map(|i| Some((invoice_label(i), i.country_of_origin?)))
        .collect();
    if stated.is_empty() || docs.certificates.is_empty() {
        return not_applicable("needs a certificate of origin and an invoice showing an origin");
    }
    let mut conflicts = Vec::new();
    for cert in &docs.certificates {
        for (label, country) in stated.iter().filter(|(_, c)| *c != cert.country_of_origin) {
            conflicts.push(format!(
                "{label} shows {country}; {} shows {}",
                certificate_label(cert),
                cert.country_of_origin
            ));
        }
    }
    verdict(
        || "the same country of origin on the invoice and the certificate of origin".into(),
        conflicts,
    )
}

/// Art. 14(d): the certificate's consignee is the transport document's consignee, the party
/// 46A consigns the goods to, or the applicant; never the beneficiary.
pub(super) fn consistent_consignee(exam: &Exam<'_>) -> Outcome {
    let docs = &exam.docs;
    if docs.certificates.is_empty() {
        return not_applicable(NO_CERTIFICATE);
    }
    let mut allowed: Vec<Words> = docs
        .transport
        .iter()
        .map(|t| words(&t.consignee.name))
        .collect();
    allowed.extend(exam.terms.consignees.iter().map(|(_, w, _)| w.clone()));
    allowed.push(words(&exam.lc.applicant.name));
    let beneficiary = &exam.lc.beneficiary;
    let conflicts = docs
        .certificates
        .iter()
        .filter(|c| !consignee_allowed(&c.consignee, beneficiary, &allowed))
        .map(|c| {
            format!(
                "{} consigned to '{}'",
                certificate_label(c),
                c.consignee.name
            )
        })
        .collect();
    verdict(
        || {
            "a consignee that does not conflict with the transport document (the applicant, or the consignee of the transport document or of 46A; not the beneficiary)".into()
        },
        conflicts,
    )
}

fn consignee_allowed(consignee: &Party, beneficiary: &Party, allowed: &[Words]) -> bool {
    if same_words(&consignee.name, &beneficiary.name) {
        return false;
    }
    let name = words(&consignee.name);
    allowed
        .iter()
        .any(|a| name.contains_run(a) || a.contains_run(&name))
}

/// Art. 14(d), 14(h), ISBP 821 A26: documents indicate the credit number where a condition
/// asks for it on documents. Separators and case are ignored (`SCB LC 26 0417` is the number).
pub(super) fn lc_number(exam: &Exam<'_>) -> Outcome {
    let rules = &exam.terms.lc_number;
    if rules.is_empty() {
        let disregarded = &exam.terms.lc_number_disregarded;
        if disregarded.is_empty() {
            return not_applicable("the credit does not require documents to indicate its number");
        }
        return not_applicable(format!(
            "'{}' names no document, so art. 14(h) disregards it as a non-documentary condition",
            disregarded.join("'; '")
        ));
    }
    let number = compact(&exam.lc.reference);
    let covered = |kind: DocumentKind| rules.iter().any(|r| r.scope.covers(kind));
    let wrong = exam
        .docs
        .all()
        .filter(|doc| covered(doc.kind()))
        .filter_map(|doc| match doc.lc_reference() {
            None => Some(format!(
                "{} does not indicate the credit number",
                doc.label()
            )),
            Some(shown) if compact(shown) != number => {
                Some(format!("{} indicates '{shown}'", doc.label()))
            }
            Some(_) => None,
        })
        .collect();
    verdict(|| lc_number_expected(exam), wrong)
}

/// `credit number X on all documents ('<47A clause>')`.
fn lc_number_expected(exam: &Exam<'_>) -> String {
    let sources: Vec<String> = exam
        .terms
        .lc_number
        .iter()
        .map(|r| format!("{} ('{}')", scope_name(&r.scope), r.source))
        .collect();
    format!(
        "credit number {} on {}",
        exam.lc.reference,
        sources.join("; ")
    )
}

fn scope_name(scope: &Scope) -> String {
    match scope {
        Scope::All => "all documents".to_string(),
        Scope::Only(kinds) => {
            let names: Vec<String> = kinds.iter().map(|k| k.as_str().replace('_', " ")).collect();
            names.join(", ")
        }
    }
}
