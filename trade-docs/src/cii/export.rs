//! [`Invoice`] to CII XML that validates against the D16B schema.
//!
//! The XSD's aggregates are sequences, so every aggregate below writes its children in the
//! order `CrossIndustryInvoice_ReusableAggregateBusinessInformationEntity_100pD16B.xsd` gives
//! them; the comment above each writer names the type whose order it follows. The mapping is
//! the inverse of the importer's (see [`crate::cii`]), so `import(export(i)) == i` for every
//! invoice the importer produces. Deliberately not here: any validation (an invalid invoice is
//! written as it is) and any element the model has no data for.
//!
//! Invariants: all text goes through [`escape`], which also replaces the characters XML 1.0
//! cannot carry with U+FFFD, so the output is always well-formed.

use crate::codes::Country;
use crate::decimal::Decimal;
use crate::document::{Invoice, InvoiceLine, Party, TaxBreakdown};

use super::import::SHIPPING_MARKS_SUBJECT;
use super::values::format_102;
use super::{NS_RAM, NS_RSM, NS_UDT};

/// The guideline identifier the export declares: this project's mapping, which carries only
/// what the model holds, so it does not claim EN 16931 conformance.
pub const GUIDELINE_ID: &str = "urn:silkwaychain:trade-docs:cii:1";

/// Renders an invoice as CII D16B XML (UTF-8, indented).
pub fn export(invoice: &Invoice) -> String {
    let mut w = Writer::default();
    w.out.push_str(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    w.out.push_str(&format!(
        "\n<rsm:CrossIndustryInvoice xmlns:rsm=\"{NS_RSM}\" xmlns:ram=\"{NS_RAM}\" xmlns:udt=\"{NS_UDT}\">"
    ));
    w.depth = 1;
    w.node("rsm:ExchangedDocumentContext", |w| {
        w.node("ram:GuidelineSpecifiedDocumentContextParameter", |w| {
            w.leaf("ram:ID", GUIDELINE_ID);
        });
    });
    exchanged_document(&mut w, invoice);
    w.node("rsm:SupplyChainTradeTransaction", |w| {
        for line in &invoice.lines {
            line_item(w, line, invoice.country_of_origin);
        }
        header_agreement(w, invoice);
        w.empty("ram:ApplicableHeaderTradeDelivery");
        header_settlement(w, invoice);
    });
    w.depth = 0;
    w.out.push_str("\n</rsm:CrossIndustryInvoice>\n");
    w.out
}

/// `ExchangedDocumentType`: ID, TypeCode, IssueDateTime, IncludedNote*.
fn exchanged_document(w: &mut Writer, invoice: &Invoice) {
    w.node("rsm:ExchangedDocument", |w| {
        w.leaf("ram:ID", &invoice.number);
        w.leaf("ram:TypeCode", &invoice.type_code);
        date_time(w, "ram:IssueDateTime", invoice.issue_date);
        // `NoteType`: Content, SubjectCode.
        for note in &invoice.notes {
            w.node("ram:IncludedNote", |w| w.leaf("ram:Content", note));
        }
        if let Some(marks) = &invoice.shipping_marks {
            w.node("ram:IncludedNote", |w| {
                w.leaf("ram:Content", marks);
                w.leaf("ram:SubjectCode", SHIPPING_MARKS_SUBJECT);
            });
        }
    });
}

/// `SupplyChainTradeLineItemType`: AssociatedDocumentLineDocument, SpecifiedTradeProduct,
/// SpecifiedLineTradeAgreement, SpecifiedLineTradeDelivery, SpecifiedLineTradeSettlement.
fn line_item(w: &mut Writer, line: &InvoiceLine, origin: Option<Country>) {
    w.node("ram:IncludedSupplyChainTradeLineItem", |w| {
        w.node("ram:AssociatedDocumentLineDocument", |w| {
            w.leaf("ram:LineID", &line.line_id);
        });
        trade_product(w, line, origin);
        w.node("ram:SpecifiedLineTradeAgreement", |w| {
            w.node("ram:NetPriceProductTradePrice", |w| {
                w.leaf("ram:ChargeAmount", &line.unit_price.to_string());
            });
        });
        w.node("ram:SpecifiedLineTradeDelivery", |w| {
            w.leaf_attr(
                "ram:BilledQuantity",
                ("unitCode", &line.unit),
                &line.quantity.to_string(),
            );
        });
        // `LineTradeSettlementType`: ApplicableTradeTax, then the line summation.
        w.node("ram:SpecifiedLineTradeSettlement", |w| {
            if line.tax_category.is_some() || line.tax_rate_percent.is_some() {
                // `TradeTaxType`: TypeCode, CategoryCode, RateApplicablePercent.
                w.node("ram:ApplicableTradeTax", |w| {
                    w.leaf("ram:TypeCode", "VAT");
                    w.opt_leaf("ram:CategoryCode", line.tax_category.as_deref());
                    w.opt_decimal("ram:RateApplicablePercent", line.tax_rate_percent);
                });
            }
            w.node("ram:SpecifiedTradeSettlementLineMonetarySummation", |w| {
                w.leaf("ram:LineTotalAmount", &line.line_total.to_string());
            });
        });
    });
}

/// `TradeProductType`: Name, DesignatedProductClassification, OriginTradeCountry.
fn trade_product(w: &mut Writer, line: &InvoiceLine, origin: Option<Country>) {
    w.node("ram:SpecifiedTradeProduct", |w| {
        w.leaf("ram:Name", &line.description);
        if let Some(hs) = &line.hs_code {
            w.node("ram:DesignatedProductClassification", |w| {
                w.leaf_attr("ram:ClassCode", ("listID", "HS"), hs.as_str());
            });
        }
        if let Some(country) = origin {
            w.node("ram:OriginTradeCountry", |w| {
                w.leaf("ram:ID", country.as_str())
            });
        }
    });
}

/// `HeaderTradeAgreementType`: SellerTradeParty, BuyerTradeParty,
/// ApplicableTradeDeliveryTerms, BuyerOrderReferencedDocument.
fn header_agreement(w: &mut Writer, invoice: &Invoice) {
    w.node("ram:ApplicableHeaderTradeAgreement", |w| {
        party(w, "ram:SellerTradeParty", &invoice.seller);
        party(w, "ram:BuyerTradeParty", &invoice.buyer);
        if let Some(terms) = &invoice.incoterms {
            // `TradeDeliveryTermsType`: DeliveryTypeCode, RelevantTradeLocation (Name).
            w.node("ram:ApplicableTradeDeliveryTerms", |w| {
                w.leaf("ram:DeliveryTypeCode", terms.rule.as_str());
                if !terms.place.is_empty() {
                    w.node("ram:RelevantTradeLocation", |w| {
                        w.leaf("ram:Name", &terms.place)
                    });
                }
            });
        }
        if let Some(order) = &invoice.buyer_order_reference {
            w.node("ram:BuyerOrderReferencedDocument", |w| {
                w.leaf("ram:IssuerAssignedID", order);
            });
        }
    });
}

/// `TradePartyType`: ID, Name, PostalTradeAddress.
fn party(w: &mut Writer, element: &str, party: &Party) {
    w.node(element, |w| {
        w.opt_leaf("ram:ID", party.id.as_deref());
        w.leaf("ram:Name", &party.name);
        if !party.address.is_empty() || party.country.is_some() {
            w.node("ram:PostalTradeAddress", |w| address(w, party));
        }
    });
}

/// `TradeAddressType`: LineOne … LineFive, CityName, CountryID. All entries but the last are
/// address lines and the last is the city line, which is how the importer builds them; more
/// than six entries are folded into LineFive.
fn address(w: &mut Writer, party: &Party) {
    const LINES: [&str; 5] = super::ADDRESS_LINE_ELEMENTS;
    if let Some((city, lines)) = party.address.split_last() {
        let (head, rest) = lines.split_at(lines.len().min(LINES.len() - 1));
        for (name, line) in LINES.iter().zip(head) {
            w.leaf(name, line);
        }
        if !rest.is_empty() {
            w.leaf(LINES[LINES.len() - 1], &rest.join(", "));
        }
        w.leaf("ram:CityName", city);
    }
    if let Some(country) = party.country {
        w.leaf("ram:CountryID", country.as_str());
    }
}

/// `HeaderTradeSettlementType`: InvoiceCurrencyCode, ApplicableTradeTax*,
/// SpecifiedTradePaymentTerms, SpecifiedTradeSettlementHeaderMonetarySummation,
/// LetterOfCreditReferencedDocument.
fn header_settlement(w: &mut Writer, invoice: &Invoice) {
    w.node("ram:ApplicableHeaderTradeSettlement", |w| {
        w.leaf("ram:InvoiceCurrencyCode", invoice.currency.as_str());
        for tax in &invoice.taxes {
            header_tax(w, tax);
        }
        if let Some(due) = invoice.due_date {
            w.node("ram:SpecifiedTradePaymentTerms", |w| {
                date_time(w, "ram:DueDateDateTime", due);
            });
        }
        summation(w, invoice);
        if let Some(lc) = &invoice.lc_reference {
            w.node("ram:LetterOfCreditReferencedDocument", |w| {
                w.leaf("ram:IssuerAssignedID", lc);
            });
        }
    });
}

/// `TradeTaxType`: CalculatedAmount, TypeCode, ExemptionReason, BasisAmount, CategoryCode,
/// RateApplicablePercent.
fn header_tax(w: &mut Writer, tax: &TaxBreakdown) {
    w.node("ram:ApplicableTradeTax", |w| {
        w.leaf("ram:CalculatedAmount", &tax.amount.to_string());
        w.leaf("ram:TypeCode", "VAT");
        w.opt_leaf("ram:ExemptionReason", tax.exemption_reason.as_deref());
        w.leaf("ram:BasisAmount", &tax.basis.to_string());
        w.leaf("ram:CategoryCode", &tax.category);
        w.opt_decimal("ram:RateApplicablePercent", tax.rate_percent);
    });
}

/// `TradeSettlementHeaderMonetarySummationType`: LineTotalAmount, ChargeTotalAmount,
/// AllowanceTotalAmount, TaxBasisTotalAmount, TaxTotalAmount, GrandTotalAmount,
/// TotalPrepaidAmount, DuePayableAmount.
fn summation(w: &mut Writer, invoice: &Invoice) {
    w.node("ram:SpecifiedTradeSettlementHeaderMonetarySummation", |w| {
        w.leaf("ram:LineTotalAmount", &invoice.line_total.to_string());
        w.opt_decimal("ram:ChargeTotalAmount", invoice.charge_total);
        w.opt_decimal("ram:AllowanceTotalAmount", invoice.allowance_total);
        w.leaf(
            "ram:TaxBasisTotalAmount",
            &invoice.tax_basis_total.to_string(),
        );
        if let Some(tax_total) = invoice.tax_total {
            w.leaf_attr(
                "ram:TaxTotalAmount",
                ("currencyID", invoice.currency.as_str()),
                &tax_total.to_string(),
            );
        }
        w.leaf("ram:GrandTotalAmount", &invoice.total.to_string());
        w.opt_decimal("ram:TotalPrepaidAmount", invoice.prepaid_total);
        w.leaf("ram:DuePayableAmount", &invoice.due_payable.to_string());
    });
}

/// `DateTimeType` with a `DateTimeString` in format 102.
fn date_time(w: &mut Writer, element: &str, date: crate::Date) {
    w.node(element, |w| {
        w.leaf_attr("udt:DateTimeString", ("format", "102"), &format_102(date));
    });
}

/// An indenting XML writer; it writes what it is told, in the order it is told.
#[derive(Debug, Default)]
struct Writer {
    out: String,
    depth: usize,
}

impl Writer {
    fn node(&mut self, name: &str, body: impl FnOnce(&mut Writer)) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        self.depth += 1;
        body(self);
        self.depth -= 1;
        self.indent();
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    fn empty(&mut self, name: &str) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str("/>");
    }

    fn leaf(&mut self, name: &str, text: &str) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        escape(&mut self.out, text);
        self.close_tag(name);
    }

    fn leaf_attr(&mut self, name: &str, (attr, value): (&str, &str), text: &str) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        self.out.push(' ');
        self.out.push_str(attr);
        self.out.push_str("=\"");
        escape(&mut self.out, value);
        self.out.push_str("\">");
        escape(&mut self.out, text);
        self.close_tag(name);
    }

    fn opt_leaf(&mut self, name: &str, text: Option<&str>) {
        if let Some(text) = text {
            self.leaf(name, text);
        }
    }

    fn opt_decimal(&mut self, name: &str, value: Option<Decimal>) {
        if let Some(value) = value {
            self.leaf(name, &value.to_string());
        }
    }

    fn close_tag(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    fn indent(&mut self) {
        self.out.push('\n');
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }
}

/// Appends `text` escaped for element content and double-quoted attributes. A carriage return
/// is written as a character reference so that it survives end-of-line normalization; the
/// characters XML 1.0 forbids become U+FFFD.
fn escape(out: &mut String, text: &str) {
    let plain = |c: char| !matches!(c, '<' | '>' | '&' | '"' | '\r') && allowed(c);
    if text.chars().all(plain) {
        out.push_str(text);
        return;
    }
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\r' => out.push_str("&#13;"),
            c if allowed(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
}

/// XML 1.0 `Char`: tab, line feed, carriage return, and everything from U+0020 except the
/// surrogates (which a Rust `char` cannot be) and U+FFFE, U+FFFF.
fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_unrepresentable_characters() {
        for (text, escaped) in [
            ("plain", "plain"),
            ("a<b>&\"c'", "a&lt;b&gt;&amp;&quot;c'"),
            ("cr\r\nlf", "cr&#13;\nlf"),
            ("nul\u{0}bell\u{7}", "nul\u{FFFD}bell\u{FFFD}"),
            ("Қазақстан 中国", "Қазақстан 中国"),
        ] {
            let mut out = String::new();
            escape(&mut out, text);
            assert_eq!(out, escaped, "{text:?}");
        }
    }

    #[test]
    fn writer_nests_and_indents() {
        let mut w = Writer::default();
        w.node("a", |w| {
            w.leaf_attr("b", ("x", "1"), "t");
            w.empty("c");
        });
        assert_eq!(w.out, "\n<a>\n  <b x=\"1\">t</b>\n  <c/>\n</a>");
    }
}
