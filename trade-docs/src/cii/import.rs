//! CII XML to [`Invoice`]: reads the element tree and maps it field by field.
//!
//! The mapping rules are listed in the module documentation of [`crate::cii`]. This file
//! deliberately does no XML handling of its own (that is `tree`) and no scalar parsing (that
//! is `values`); it decides which element feeds which field, what is required, and it runs the
//! model's validation so that an `Ok` invoice always passes [`Document::validate`].

use crate::codes::{Country, Currency, HsCode, IncotermRule, Incoterms};
use crate::document::{Document, FieldFault, Invalid, Invoice, InvoiceLine, Party, TaxBreakdown};

use super::tree::{AttrName, El, Tree};
use super::values;
use super::CiiError;

/// UNTDID 4451 "additional marks/numbers information": the note subject that carries the
/// shipping marks.
pub(super) const SHIPPING_MARKS_SUBJECT: &str = "MKS";

/// Parses CII XML into a validated invoice.
pub fn import(xml: &str) -> Result<Invoice, CiiError> {
    let tree = Tree::parse(xml)?;
    let root = tree.root();
    let document = root.require("rsm:ExchangedDocument")?;
    let transaction = root.require("rsm:SupplyChainTradeTransaction")?;
    let agreement = transaction.require("ram:ApplicableHeaderTradeAgreement")?;
    let settlement = transaction.require("ram:ApplicableHeaderTradeSettlement")?;
    let currency = values::currency(settlement.require("ram:InvoiceCurrencyCode")?)?;
    let (lines, country_of_origin) = lines(transaction, currency)?;
    let totals = Totals::read(
        settlement.require("ram:SpecifiedTradeSettlementHeaderMonetarySummation")?,
        currency,
    )?;
    let header = Header::read(document)?;
    let invoice = Invoice {
        number: header.number,
        issue_date: header.issue_date,
        type_code: header.type_code,
        seller: party(agreement.require("ram:SellerTradeParty")?)?,
        buyer: party(agreement.require("ram:BuyerTradeParty")?)?,
        currency,
        lines,
        line_total: totals.line_total,
        allowance_total: totals.allowance_total,
        charge_total: totals.charge_total,
        tax_basis_total: totals.tax_basis_total,
        taxes: taxes(settlement, currency)?,
        tax_total: totals.tax_total,
        total: totals.total,
        prepaid_total: totals.prepaid_total,
        due_payable: totals.due_payable,
        due_date: due_date(settlement)?,
        incoterms: incoterms(agreement)?,
        lc_reference: optional_text(
            settlement,
            "ram:LetterOfCreditReferencedDocument/ram:IssuerAssignedID",
        ),
        buyer_order_reference: optional_text(
            agreement,
            "ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID",
        ),
        country_of_origin,
        shipping_marks: header.shipping_marks,
        notes: header.notes,
    };
    validated(invoice, transaction)
}

/// Runs the model's validation; each fault also names the CII element it came from.
fn validated(invoice: Invoice, transaction: El<'_, '_>) -> Result<Invoice, CiiError> {
    let document = Document::Invoice(invoice);
    if let Err(invalid) = document.validate() {
        let faults = invalid
            .faults
            .into_iter()
            .map(|fault| locate(fault, transaction))
            .collect();
        return Err(CiiError::Invalid(Invalid { faults }));
    }
    match document {
        Document::Invoice(invoice) => Ok(invoice),
        // Invariant: `document` was built as an invoice a few lines above.
        _ => unreachable!("the document was built as an invoice"),
    }
}

/// Adds the CII path and line of the element behind a model field to the fault's problem.
fn locate(fault: FieldFault, transaction: El<'_, '_>) -> FieldFault {
    const SUMMATION: &str =
        "ram:ApplicableHeaderTradeSettlement/ram:SpecifiedTradeSettlementHeaderMonetarySummation";
    let head = fault.field.split(['.', '[']).next().unwrap_or_default();
    let element = match head {
        "seller" => transaction.find("ram:ApplicableHeaderTradeAgreement/ram:SellerTradeParty"),
        "buyer" => transaction.find("ram:ApplicableHeaderTradeAgreement/ram:BuyerTradeParty"),
        "lines" => line_index(&fault.field)
            .and_then(|i| {
                transaction
                    .all("ram:IncludedSupplyChainTradeLineItem")
                    .nth(i)
            })
            .or(Some(transaction)),
        "line_total" => transaction.find(&format!("{SUMMATION}/ram:LineTotalAmount")),
        "allowance_total" => transaction.find(&format!("{SUMMATION}/ram:AllowanceTotalAmount")),
        "charge_total" => transaction.find(&format!("{SUMMATION}/ram:ChargeTotalAmount")),
        "tax_basis_total" => transaction.find(&format!("{SUMMATION}/ram:TaxBasisTotalAmount")),
        "tax_total" => transaction.find(&format!("{SUMMATION}/ram:TaxTotalAmount")),
        "total" => transaction.find(&format!("{SUMMATION}/ram:GrandTotalAmount")),
        "prepaid_total" => transaction.find(&format!("{SUMMATION}/ram:TotalPrepaidAmount")),
        "due_payable" => transaction.find(&format!("{SUMMATION}/ram:DuePayableAmount")),
        _ => None,
    };
    match element {
        Some(el) => FieldFault {
            problem: format!("{} (at {}, line {})", fault.problem, el.path(), el.line()),
            field: fault.field,
        },
        None => fault,
    }
}

/// `lines[3].quantity` → 3.
fn line_index(field: &str) -> Option<usize> {
    let rest = field.strip_prefix("lines[")?;
    rest[..rest.find(']')?].parse().ok()
}

/// What `rsm:ExchangedDocument` holds.
struct Header {
    number: String,
    issue_date: crate::Date,
    type_code: String,
    notes: Vec<String>,
    shipping_marks: Option<String>,
}

impl Header {
    fn read(document: El<'_, '_>) -> Result<Header, CiiError> {
        let (notes, shipping_marks) = notes(document);
        Ok(Header {
            number: required_text(document, "ram:ID")?,
            issue_date: values::date(document.require("ram:IssueDateTime")?)?,
            type_code: required_text(document, "ram:TypeCode")?,
            notes,
            shipping_marks,
        })
    }
}

/// The header monetary summation.
struct Totals {
    line_total: crate::Decimal,
    allowance_total: Option<crate::Decimal>,
    charge_total: Option<crate::Decimal>,
    tax_basis_total: crate::Decimal,
    tax_total: Option<crate::Decimal>,
    total: crate::Decimal,
    prepaid_total: Option<crate::Decimal>,
    due_payable: crate::Decimal,
}

impl Totals {
    fn read(summation: El<'_, '_>, currency: Currency) -> Result<Totals, CiiError> {
        Ok(Totals {
            line_total: values::required_amount(summation, "ram:LineTotalAmount", currency)?,
            allowance_total: values::amount(summation, "ram:AllowanceTotalAmount", currency)?,
            charge_total: values::amount(summation, "ram:ChargeTotalAmount", currency)?,
            tax_basis_total: values::required_amount(
                summation,
                "ram:TaxBasisTotalAmount",
                currency,
            )?,
            tax_total: values::amount(summation, "ram:TaxTotalAmount", currency)?,
            total: values::required_amount(summation, "ram:GrandTotalAmount", currency)?,
            prepaid_total: values::amount(summation, "ram:TotalPrepaidAmount", currency)?,
            due_payable: values::required_amount(summation, "ram:DuePayableAmount", currency)?,
        })
    }
}

/// The lines, and the country of origin they agree on.
fn lines(
    transaction: El<'_, '_>,
    currency: Currency,
) -> Result<(Vec<InvoiceLine>, Option<Country>), CiiError> {
    let mut lines = Vec::new();
    let mut origins = Vec::new();
    for item in transaction.all("ram:IncludedSupplyChainTradeLineItem") {
        let (line, origin) = line(item, currency)?;
        lines.push(line);
        origins.push(origin);
    }
    Ok((lines, common_origin(origins)))
}

/// One `IncludedSupplyChainTradeLineItem`, with the origin country it names (if any).
fn line(item: El<'_, '_>, currency: Currency) -> Result<(InvoiceLine, Option<Country>), CiiError> {
    let product = item.first("ram:SpecifiedTradeProduct");
    let description = product
        .and_then(|p| {
            p.first("ram:Name")
                .and_then(El::nonblank_text)
                .or_else(|| p.first("ram:Description").and_then(El::nonblank_text))
        })
        .ok_or_else(|| item.missing("ram:SpecifiedTradeProduct/ram:Name"))?;
    let quantity = item.require("ram:SpecifiedLineTradeDelivery/ram:BilledQuantity")?;
    let unit = quantity
        .attr(AttrName::UnitCode)
        .filter(|u| !u.is_empty())
        .ok_or_else(|| quantity.missing("@unitCode"))?;
    let price = item.require("ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice")?;
    let settlement = item.require("ram:SpecifiedLineTradeSettlement")?;
    let summation = settlement.require("ram:SpecifiedTradeSettlementLineMonetarySummation")?;
    let tax = settlement.first("ram:ApplicableTradeTax");
    let origin = product
        .and_then(|p| p.find("ram:OriginTradeCountry/ram:ID"))
        .map(values::country)
        .transpose()?;
    let line = InvoiceLine {
        line_id: required_text(item, "ram:AssociatedDocumentLineDocument/ram:LineID")?,
        description: description.to_string(),
        quantity: values::decimal(quantity)?,
        unit: unit.to_string(),
        unit_price: values::unit_price(price, "ram:ChargeAmount", currency)?,
        line_total: values::required_amount(summation, "ram:LineTotalAmount", currency)?,
        hs_code: product.and_then(hs_code),
        tax_category: tax.and_then(|t| optional_text(t, "ram:CategoryCode")),
        tax_rate_percent: tax
            .and_then(|t| t.first("ram:RateApplicablePercent"))
            .map(values::decimal)
            .transpose()?,
    };
    Ok((line, origin))
}

/// The first classification listed as `HS` that is a valid HS code (dots and spaces, as in
/// `8708.99`, are ignored).
fn hs_code(product: El<'_, '_>) -> Option<HsCode> {
    product
        .all("ram:DesignatedProductClassification")
        .filter_map(|c| c.first("ram:ClassCode"))
        .filter(|code| code.attr(AttrName::ListId) == Some("HS"))
        .find_map(|code| {
            let digits: String = code
                .text()
                .chars()
                .filter(|c| !matches!(c, '.' | ' '))
                .collect();
            digits.parse().ok()
        })
}

/// The one country named by every line that names one.
fn common_origin(origins: Vec<Option<Country>>) -> Option<Country> {
    let mut named = origins.into_iter().flatten();
    let first = named.next()?;
    named.all(|c| c == first).then_some(first)
}

/// A trade party; see the module documentation of [`crate::cii`] for the id rule.
fn party(el: El<'_, '_>) -> Result<Party, CiiError> {
    let name = el
        .first("ram:Name")
        .and_then(El::nonblank_text)
        .ok_or_else(|| el.missing("ram:Name"))?;
    let address = el.first("ram:PostalTradeAddress");
    Ok(Party {
        name: name.to_string(),
        address: address.map(address_lines).unwrap_or_default(),
        country: address
            .and_then(|a| a.first("ram:CountryID"))
            .map(values::country)
            .transpose()?,
        id: party_id(el).map(str::to_string),
    })
}

/// Tax registration `VA`, then `FC`, then the legal organization's id, then `ID`, then
/// `GlobalID`: the most official identifier first.
fn party_id<'t>(el: El<'t, '_>) -> Option<&'t str> {
    let registration = |scheme: &str| {
        el.all("ram:SpecifiedTaxRegistration")
            .filter_map(|r| r.first("ram:ID"))
            .filter(|id| id.attr(AttrName::SchemeId) == Some(scheme))
            .find_map(El::nonblank_text)
    };
    registration("VA")
        .or_else(|| registration("FC"))
        .or_else(|| {
            el.find("ram:SpecifiedLegalOrganization/ram:ID")
                .and_then(El::nonblank_text)
        })
        .or_else(|| el.all("ram:ID").find_map(El::nonblank_text))
        .or_else(|| el.all("ram:GlobalID").find_map(El::nonblank_text))
}

/// The address lines, as written, then one line "postcode city, subdivision".
fn address_lines(address: El<'_, '_>) -> Vec<String> {
    const LINES: [&str; 5] = super::ADDRESS_LINE_ELEMENTS;
    let text = |name: &str| address.first(name).and_then(El::nonblank_text);
    let mut lines: Vec<String> = LINES
        .iter()
        .filter_map(|name| text(name))
        .map(str::to_string)
        .collect();
    let mut place = [text("ram:PostcodeCode"), text("ram:CityName")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    if let Some(subdivision) = text("ram:CountrySubDivisionName") {
        if !place.is_empty() {
            place.push_str(", ");
        }
        place.push_str(subdivision);
    }
    if !place.is_empty() {
        lines.push(place);
    }
    lines
}

/// The notes, one per `IncludedNote`, and the shipping marks (notes with subject `MKS`).
fn notes(document: El<'_, '_>) -> (Vec<String>, Option<String>) {
    let mut notes = Vec::new();
    let mut marks = Vec::new();
    for note in document.all("ram:IncludedNote") {
        let content = note
            .all("ram:Content")
            .filter_map(El::nonblank_text)
            .collect::<Vec<_>>()
            .join("\n");
        if content.is_empty() {
            continue;
        }
        let subject = note.first("ram:SubjectCode").map(El::text);
        if subject == Some(SHIPPING_MARKS_SUBJECT) {
            marks.push(content);
        } else {
            notes.push(content);
        }
    }
    let marks = (!marks.is_empty()).then(|| marks.join("\n"));
    (notes, marks)
}

/// The header tax breakdown.
fn taxes(settlement: El<'_, '_>, currency: Currency) -> Result<Vec<TaxBreakdown>, CiiError> {
    settlement
        .all("ram:ApplicableTradeTax")
        .map(|tax| {
            Ok(TaxBreakdown {
                category: required_text(tax, "ram:CategoryCode")?,
                rate_percent: tax
                    .first("ram:RateApplicablePercent")
                    .map(values::decimal)
                    .transpose()?,
                basis: values::required_amount(tax, "ram:BasisAmount", currency)?,
                amount: values::required_amount(tax, "ram:CalculatedAmount", currency)?,
                exemption_reason: optional_text(tax, "ram:ExemptionReason"),
            })
        })
        .collect()
}

/// The due date of the first payment terms that give one.
fn due_date(settlement: El<'_, '_>) -> Result<Option<crate::Date>, CiiError> {
    settlement
        .all("ram:SpecifiedTradePaymentTerms")
        .find_map(|terms| terms.first("ram:DueDateDateTime"))
        .map(values::date)
        .transpose()
}

/// The delivery terms, when they carry a code; the code must be an Incoterms 2020 rule.
fn incoterms(agreement: El<'_, '_>) -> Result<Option<Incoterms>, CiiError> {
    let Some(terms) = agreement.first("ram:ApplicableTradeDeliveryTerms") else {
        return Ok(None);
    };
    let Some(code) = terms.first("ram:DeliveryTypeCode") else {
        return Ok(None);
    };
    let rule: IncotermRule = code
        .text()
        .parse()
        .map_err(|_| code.bad_value(code.text(), "is not an Incoterms 2020 rule"))?;
    let place = optional_text(terms, "ram:RelevantTradeLocation/ram:Name").unwrap_or_default();
    Ok(Some(Incoterms { rule, place }))
}

/// Text that must be present and not blank.
fn required_text(parent: El<'_, '_>, path: &str) -> Result<String, CiiError> {
    let el = parent.require(path)?;
    el.nonblank_text()
        .map(str::to_string)
        .ok_or_else(|| el.bad_value("", "must not be blank"))
}

/// Text that may be absent; blank counts as absent.
fn optional_text(parent: El<'_, '_>, path: &str) -> Option<String> {
    parent
        .find(path)
        .and_then(El::nonblank_text)
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_indices_of_fault_fields() {
        assert_eq!(line_index("lines[3].quantity"), Some(3));
        assert_eq!(line_index("lines"), None);
        assert_eq!(line_index("total"), None);
    }

    #[test]
    fn origin_is_common_or_none() {
        let (kz, cn) = (Some(Country::KZ), Some(Country::CN));
        assert_eq!(common_origin(vec![kz, None, kz]), Some(Country::KZ));
        assert_eq!(common_origin(vec![kz, cn]), None);
        assert_eq!(common_origin(vec![None, None]), None);
        assert_eq!(common_origin(vec![]), None);
    }
}
