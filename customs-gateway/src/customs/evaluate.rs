//! Evaluating a rule set over one declaration and its linked data: the channel, every hit with
//! its evidence, the rule set's version id and the random draw.
//!
//! Scoring: each hit adds its weight (which may be negative) to the score, the score's
//! threshold gives a channel, a forced hit raises the channel to at least its own, and a
//! selected draw to at least the draw's channel. Evidence states what was observed, e.g.
//! `declared 8.64 USD/kg, band 11.00–25.00 USD/kg`; for a combination it lists the parts that
//! decided (all parts of an `all`, the parts that held of an `any`).
//!
//! Valuation: the customs value against the band per net kilogram or per declared unit (in
//! the band's currency only), against the linked credit's amount (32B) and against the linked
//! invoice's total. Money is compared exactly, in fixed point with six fraction digits and
//! 128-bit products (saturating, far beyond any declared value); nothing is a float.
//!
//! Hot path: `evaluate` computes the facts it needs once per declaration (HS numbers, the band,
//! watch-list memberships), then tests every rule without allocating; texts are written only
//! for the rules that hit. Deliberately not here: reading linked data from the ledger (the
//! shell fills [`Inputs`]) and recording the decision (the ledger's declaration instrument).

use trade_docs::document::{CustomsDeclaration, Invoice, LetterOfCredit};
use trade_docs::instrument::{Channel, HitEffect, RandomDraw, RiskAssessment, RuleHit};
use trade_docs::instrument::{HIT_TEXT_LEN_MAX, LIST_LEN_MAX};
use trade_docs::{Decimal, Fingerprint};

use super::draw;
use super::mirror;
use super::rules::{Band, Basis, PartyRole, Piece, Placeholder, Predicate, Rule, RuleSet};

/// A declaration and what it is assessed against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inputs {
    pub declaration: CustomsDeclaration,
    /// Lodged before the goods arrived.
    pub pre_arrival: bool,
    /// The declarant holds a valid Authorized Economic Operator status.
    pub declarant_aeo: bool,
    /// The invoice the declaration names (`invoice_number`), if known.
    pub invoice: Option<Invoice>,
    /// The letter of credit it names (`lc_reference`), as amended, if known.
    pub credit: Option<LetterOfCredit>,
    /// The counterpart declaration from the other side of the border, if lodged.
    pub mirror: Option<CustomsDeclaration>,
    /// Ledger data for the random draw; no draw without it.
    pub draw_seed: Option<DrawSeed>,
}

/// What a draw is derived from: the block that committed the declaration and its id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DrawSeed {
    pub block: Fingerprint,
    pub declaration: Fingerprint,
}

/// The outcome of a rule set over one declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assessment {
    pub channel: Channel,
    /// The sum of the hits' weights.
    pub score: i64,
    /// Every rule that hit, in the rule set's order.
    pub hits: Vec<RuleHit>,
    pub rule_set_hash: Fingerprint,
    pub draw: Option<RandomDraw>,
}

impl Inputs {
    /// A declaration with no linked data, not lodged before arrival, by a non-AEO declarant.
    pub fn new(declaration: CustomsDeclaration) -> Inputs {
        Inputs {
            declaration,
            pre_arrival: false,
            declarant_aeo: false,
            invoice: None,
            credit: None,
            mirror: None,
            draw_seed: None,
        }
    }
}

/// Runs every rule of `rules` over `inputs`. Total: never fails.
pub fn evaluate(rules: &RuleSet, inputs: &Inputs) -> Assessment {
    let facts = Facts::new(rules, inputs);
    let mut score: i64 = 0;
    let mut forced = Channel::Green;
    let mut hits = Vec::new();
    for rule in rules.rules() {
        if !facts.holds(&rule.predicate) {
            continue;
        }
        match rule.effect {
            HitEffect::Weight(weight) => score += i64::from(weight),
            HitEffect::Forced(channel) => forced = forced.max(channel),
        }
        hits.push(facts.hit(rule));
    }
    let mut channel = rules.channel_of_score(score).max(forced);
    let drawn = rules.draw().zip(inputs.draw_seed).map(|(spec, seed)| {
        let drawn = draw::draw(&seed.block, &seed.declaration, spec.rate_ppm);
        if drawn.selected {
            channel = channel.max(spec.channel);
        }
        drawn
    });
    Assessment {
        channel,
        score,
        hits,
        rule_set_hash: rules.hash(),
        draw: drawn,
    }
}

impl Assessment {
    /// The record for the ledger: at most [`LIST_LEN_MAX`] hits, forced ones first, then by
    /// weight (largest magnitude first), each text cut to [`HIT_TEXT_LEN_MAX`] characters.
    pub fn to_risk_assessment(&self) -> RiskAssessment {
        let mut hits: Vec<RuleHit> = self.hits.clone();
        hits.sort_by_key(|hit| match hit.effect {
            HitEffect::Forced(channel) => (0, std::cmp::Reverse(channel), 0),
            HitEffect::Weight(weight) => (1, std::cmp::Reverse(Channel::Green), -weight.abs()),
        });
        let omitted = hits.len().saturating_sub(LIST_LEN_MAX);
        hits.truncate(LIST_LEN_MAX);
        for hit in &mut hits {
            cut(&mut hit.reason);
            cut(&mut hit.evidence);
        }
        RiskAssessment {
            channel: self.channel,
            rule_hits: Vec::new(),
            rule_set: Some(self.rule_set_hash),
            hits,
            hits_omitted: u16::try_from(omitted).unwrap_or(u16::MAX),
            draw: self.draw,
        }
    }
}

/// Cuts a text to [`HIT_TEXT_LEN_MAX`] characters, marking the cut with an ellipsis.
fn cut(text: &mut String) {
    if text.chars().count() > HIT_TEXT_LEN_MAX {
        let keep: String = text.chars().take(HIT_TEXT_LEN_MAX - 1).collect();
        *text = keep + "…";
    }
}

/// A decimal in fixed point with six fraction digits (`Decimal::SCALE_MAX`).
pub(crate) fn fixed(value: Decimal) -> i128 {
    let factor = 10i128.pow(u32::from(Decimal::SCALE_MAX - value.scale().min(6)));
    i128::from(value.mantissa()).saturating_mul(factor)
}

/// `|a − b|` as a share of `base`, in tenths of a percent, rounded half up; 0 for base 0.
pub(crate) fn percent_apart_tenths(a: i128, b: i128, base: i128) -> i128 {
    if base <= 0 {
        return 0;
    }
    ((a - b).abs().saturating_mul(2000) / base + 1) / 2
}

/// Tenths shown as a decimal: 404 → `40.4`.
pub(crate) struct Tenths(pub(crate) i128);

impl std::fmt::Display for Tenths {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.0 / 10, self.0 % 10)
    }
}

/// `value / amount` rounded half up to hundredths, as text (`8.64`).
fn per_unit_text(value: i128, amount: i128) -> String {
    if amount <= 0 {
        return "n/a".into();
    }
    let hundredths = (value.saturating_mul(200) / amount + 1) / 2;
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

/// What `evaluate` needs of a declaration, computed once.
struct Facts<'a> {
    rules: &'a RuleSet,
    inputs: &'a Inputs,
    hs6: u32,
    chapter: u8,
    value: i128,
    /// The band that applies (same currency, measurable basis) and the basis amount.
    band: Option<(&'a Band, i128)>,
    /// Watch lists (bit masks) of declarant, consignor and consignee.
    watched: [u32; 3],
}

impl<'a> Facts<'a> {
    fn new(rules: &'a RuleSet, inputs: &'a Inputs) -> Facts<'a> {
        let d = &inputs.declaration;
        let hs6 = d.hs_code.subheading().parse().unwrap_or(0);
        let band = rules
            .bands
            .find(hs6, &d.country_of_origin)
            .filter(|band| band.currency == d.currency)
            .and_then(|band| {
                let amount = match &band.basis {
                    Basis::Kg => Some(d.net_mass_kg),
                    Basis::Unit(code) => (code == &d.unit).then_some(d.quantity),
                };
                amount.map(|a| (band, fixed(a))).filter(|(_, a)| *a > 0)
            });
        let lists = |p: &trade_docs::Party| rules.watchlists.lists_of(p.id.as_deref(), &p.name);
        Facts {
            rules,
            inputs,
            hs6,
            chapter: d.hs_code.chapter().parse().unwrap_or(0),
            value: fixed(d.customs_value),
            band,
            watched: [
                lists(&d.declarant),
                lists(&d.consignor),
                lists(&d.consignee),
            ],
        }
    }

    /// Hot path: no allocation.
    fn holds(&self, predicate: &Predicate) -> bool {
        use Predicate as P;
        let d = &self.inputs.declaration;
        match predicate {
            P::All(list) => list.iter().all(|p| self.holds(p)),
            P::Any(list) => list.iter().any(|p| self.holds(p)),
            P::Not(inner) => !self.holds(inner),
            P::BandBelow { margin_pct } => self.band.is_some_and(|(band, amount)| {
                let low = fixed(band.low).saturating_mul(i128::from(100 - margin_pct));
                self.value.saturating_mul(100_000_000) < low.saturating_mul(amount)
            }),
            P::BandAbove { margin_pct } => self.band.is_some_and(|(band, amount)| {
                let high = fixed(band.high).saturating_mul(100 + i128::from(*margin_pct));
                self.value.saturating_mul(100_000_000) > high.saturating_mul(amount)
            }),
            P::NoBand => self.band.is_none(),
            P::LcAbove { tolerance_pct } => self.credit_amount().is_some_and(|amount| {
                self.value * 100 > amount.saturating_mul(100 + i128::from(*tolerance_pct))
            }),
            P::LcBelow { tolerance_pct } => self.credit_amount().is_some_and(|amount| {
                self.value * 100 < amount.saturating_mul(100 - i128::from(*tolerance_pct))
            }),
            P::InvoiceDiffers { tolerance_pct } => self.invoice_total().is_some_and(|total| {
                (self.value - total).abs() * 100 > total.saturating_mul(i128::from(*tolerance_pct))
            }),
            P::Mirror {
                field,
                tolerance_pct,
            } => (self.inputs.mirror.as_ref())
                .is_some_and(|m| mirror::differs(*field, d, m, *tolerance_pct)),
            P::MirrorMissing => self.inputs.mirror.is_none(),
            P::Watch { list, parties } => self.watched_parties(*list, *parties) != 0,
            P::Chapters(mask) => self.chapter < 128 && mask & (1u128 << self.chapter) != 0,
            P::Subheadings(codes) => codes.binary_search(&self.hs6).is_ok(),
            P::Origins(countries) => countries.contains(&d.country_of_origin),
            P::Kinds(kinds) => kinds.contains(&d.declaration_kind),
            P::Posts(posts) => posts.iter().any(|p| p.eq_ignore_ascii_case(&d.border_post)),
            P::Aeo(aeo) => self.inputs.declarant_aeo == *aeo,
            P::PreArrival(pre) => self.inputs.pre_arrival == *pre,
        }
    }

    /// The credit's amount when it is in the declared currency.
    fn credit_amount(&self) -> Option<i128> {
        let credit = self.inputs.credit.as_ref()?;
        (credit.currency == self.inputs.declaration.currency).then(|| fixed(credit.amount))
    }

    /// The invoice's total when it is in the declared currency.
    fn invoice_total(&self) -> Option<i128> {
        let invoice = self.inputs.invoice.as_ref()?;
        (invoice.currency == self.inputs.declaration.currency).then(|| fixed(invoice.total))
    }

    /// The parties (bits of [`PartyRole::bit`]) selected by `parties` that are on `list`.
    fn watched_parties(&self, list: usize, parties: u8) -> u8 {
        PartyRole::ALL
            .iter()
            .zip(self.watched)
            .filter(|(role, lists)| parties & role.bit() != 0 && lists & (1 << list) != 0)
            .fold(0, |found, (role, _)| found | role.bit())
    }

    fn hit(&self, rule: &Rule) -> RuleHit {
        let mut evidence = String::with_capacity(96);
        self.explain(&rule.predicate, true, &mut evidence);
        RuleHit {
            rule_id: rule.spec.id.clone(),
            rule_version: rule.spec.version,
            effect: rule.effect,
            reason: self.fill(&rule.reason),
            evidence,
        }
    }

    /// Appends why `predicate` evaluates to `want`: the observed facts of the parts that decide.
    fn explain(&self, predicate: &Predicate, want: bool, out: &mut String) {
        use Predicate as P;
        match (predicate, want) {
            (P::All(list), true) | (P::Any(list), false) => {
                list.iter().for_each(|p| self.explain(p, want, out))
            }
            (P::All(list), false) | (P::Any(list), true) => list
                .iter()
                .filter(|p| self.holds(p) == want)
                .for_each(|p| self.explain(p, want, out)),
            (P::Not(inner), _) => self.explain(inner, !want, out),
            (leaf, _) => {
                if !out.is_empty() {
                    out.push_str("; ");
                }
                self.observe(leaf, out);
            }
        }
    }

    /// What was observed for one predicate, true or not.
    fn observe(&self, predicate: &Predicate, out: &mut String) {
        use std::fmt::Write;
        use Predicate as P;
        let d = &self.inputs.declaration;
        // Writing to a String cannot fail.
        let _ = match predicate {
            P::BandBelow { .. } | P::BandAbove { .. } | P::NoBand => self.observe_band(out),
            P::LcAbove { tolerance_pct } | P::LcBelow { tolerance_pct } => {
                self.observe_credit(*tolerance_pct, out)
            }
            P::InvoiceDiffers { tolerance_pct } => self.observe_invoice(*tolerance_pct, out),
            P::Mirror {
                field,
                tolerance_pct,
            } => match &self.inputs.mirror {
                Some(m) => mirror::describe_into(*field, d, m, *tolerance_pct, out),
                None => write!(out, "no mirror declaration linked"),
            },
            P::MirrorMissing => match &self.inputs.mirror {
                Some(m) => write!(out, "mirror declaration {} linked", m.reference),
                None => write!(out, "no mirror declaration linked"),
            },
            P::Watch { list, parties } => self.observe_watch(*list, *parties, out),
            P::Chapters(_) => write!(out, "HS chapter {}", d.hs_code.chapter()),
            P::Subheadings(_) => write!(out, "HS-6 {}", d.hs_code.subheading()),
            P::Origins(_) => write!(out, "origin {}", d.country_of_origin),
            P::Kinds(_) => write!(out, "{} declaration", kind_name(d)),
            P::Posts(_) => write!(out, "border post {}", d.border_post),
            P::Aeo(_) if self.inputs.declarant_aeo => write!(out, "the declarant is an AEO"),
            P::Aeo(_) => write!(out, "the declarant is not an AEO"),
            P::PreArrival(_) if self.inputs.pre_arrival => write!(out, "lodged before arrival"),
            P::PreArrival(_) => write!(out, "lodged on arrival"),
            P::All(_) | P::Any(_) | P::Not(_) => Ok(()),
        };
    }

    fn observe_band(&self, out: &mut String) -> std::fmt::Result {
        use std::fmt::Write;
        let d = &self.inputs.declaration;
        match self.band {
            Some((band, amount)) => write!(
                out,
                "declared {} {}/{}, band {}–{} {}/{}",
                per_unit_text(self.value, amount),
                d.currency,
                band.basis,
                band.low,
                band.high,
                band.currency,
                band.basis
            ),
            None => write!(
                out,
                "no reference band for HS {} from {} in {} per kg or {}",
                d.hs_code.subheading(),
                d.country_of_origin,
                d.currency,
                d.unit
            ),
        }
    }

    fn observe_credit(&self, tolerance_pct: u32, out: &mut String) -> std::fmt::Result {
        use std::fmt::Write;
        let d = &self.inputs.declaration;
        let Some(credit) = &self.inputs.credit else {
            return out.write_str("no credit linked");
        };
        write!(
            out,
            "declared {} {}, credit {} {} {}",
            d.customs_value, d.currency, credit.reference, credit.amount, credit.currency
        )?;
        match self.credit_amount() {
            Some(amount) => write!(
                out,
                " ({} % {}, tolerance {tolerance_pct} %)",
                Tenths(percent_apart_tenths(self.value, amount, amount)),
                if self.value < amount {
                    "below"
                } else {
                    "above"
                }
            ),
            None => out.write_str(" (not comparable: other currency)"),
        }
    }

    fn observe_invoice(&self, tolerance_pct: u32, out: &mut String) -> std::fmt::Result {
        use std::fmt::Write;
        let d = &self.inputs.declaration;
        let Some(invoice) = &self.inputs.invoice else {
            return out.write_str("no invoice linked");
        };
        write!(
            out,
            "declared {} {}, invoice {} {} {}",
            d.customs_value, d.currency, invoice.number, invoice.total, invoice.currency
        )?;
        match self.invoice_total() {
            Some(total) => write!(
                out,
                " ({} % apart, tolerance {tolerance_pct} %)",
                Tenths(percent_apart_tenths(self.value, total, total))
            ),
            None => out.write_str(" (not comparable: other currency)"),
        }
    }

    fn observe_watch(&self, list: usize, parties: u8, out: &mut String) -> std::fmt::Result {
        use std::fmt::Write;
        let d = &self.inputs.declaration;
        let name = self.rules.watchlists.name(list);
        let found = self.watched_parties(list, parties);
        if found == 0 {
            return write!(out, "no party checked is on list '{name}'");
        }
        let mut first = true;
        for (role, party) in PartyRole::ALL
            .iter()
            .zip([&d.declarant, &d.consignor, &d.consignee])
            .filter(|(role, _)| found & role.bit() != 0)
        {
            let separator = if first { "" } else { ", " };
            first = false;
            write!(out, "{separator}{} {}", role.as_str(), party.name)?;
            if let Some(id) = &party.id {
                write!(out, " (tax id {id})")?;
            }
        }
        write!(out, " on list '{name}'")
    }

    /// The reason template with its placeholders filled (checked when the rules were loaded).
    fn fill(&self, pieces: &[Piece]) -> String {
        use std::fmt::Write;
        use Placeholder as P;
        let d = &self.inputs.declaration;
        let mut out = String::with_capacity(96);
        for piece in pieces {
            // Writing to a String cannot fail.
            let _ = match piece {
                Piece::Text(text) => out.write_str(text),
                Piece::Placeholder(p) => match p {
                    P::Hs6 => out.write_str(d.hs_code.subheading()),
                    P::HsCode => out.write_str(d.hs_code.as_str()),
                    P::Origin => out.write_str(d.country_of_origin.as_str()),
                    P::BorderPost => out.write_str(&d.border_post),
                    P::Reference => out.write_str(&d.reference),
                    P::Value => write!(out, "{}", d.customs_value),
                    P::Currency => out.write_str(d.currency.as_str()),
                    P::Kind => out.write_str(kind_name(d)),
                },
            };
        }
        out
    }
}

fn kind_name(d: &CustomsDeclaration) -> &'static str {
    use trade_docs::document::DeclarationKind as K;
    match d.declaration_kind {
        K::Export => "export",
        K::Import => "import",
        K::Transit => "transit",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customs::rules::RulesError;
    use crate::customs::scenario::{self, linked};

    const BANDS: &str = "hs6,origin,currency,basis,low,high\n\
        870840,CN,USD,kg,11.00,25.00\n870850,*,USD,C62,3000.00,4000.00\n";
    const WATCH: &str = "list,tax_id,name,note\n\
        sanctions,,\"Steppe agro machinery, LLP\",\nhigh_risk,91650100MA7XYZ1234,,\n";

    /// A set of one rule (weight 1) with `when` as its condition.
    fn one_rule(when: &str) -> RuleSet {
        let text = format!(
            "bands = \"bands.csv\"\nwatchlist = \"watchlist.csv\"\n[channels]\nyellow_from = 40\n\
             red_from = 80\n[[rule]]\nid = \"R\"\nversion = 1\nweight = 1\nreason = \"r\"\n\
             when = {when}\n"
        );
        let mut read = |name: &str| -> Result<String, RulesError> {
            Ok(if name == "bands.csv" { BANDS } else { WATCH }.to_string())
        };
        RuleSet::parse("t.toml", &text, &mut read).unwrap_or_else(|e| panic!("{when}: {e}"))
    }

    fn ids(assessment: &Assessment) -> Vec<&str> {
        assessment.hits.iter().map(|h| h.rule_id.as_str()).collect()
    }

    #[test]
    fn the_khorgos_consignment_goes_green_with_matching_mirror_declarations() {
        let rules = scenario::rules("default.toml");
        for (name, inputs) in &scenario::story()[..2] {
            let assessment = evaluate(&rules, inputs);
            assert_eq!(assessment.channel, Channel::Green, "{name}: {assessment:?}");
            assert!(assessment.hits.is_empty(), "{name}: {:?}", ids(&assessment));
            assert_eq!(assessment.score, 0);
            assert_eq!(assessment.rule_set_hash, rules.hash());
            assert!(
                inputs.mirror.is_some(),
                "{name} is checked against its mirror"
            );
        }
    }

    #[test]
    fn the_aktau_consignment_goes_red_on_its_price_its_credit_and_its_invoice() {
        let rules = scenario::rules("default.toml");
        let (_, inputs) = &scenario::story()[2];
        let assessment = evaluate(&rules, inputs);
        assert_eq!(assessment.channel, Channel::Red);
        assert_eq!(
            ids(&assessment),
            ["VAL-BAND-LOW", "VAL-LC-BELOW", "VAL-INVOICE", "MIR-MISSING"]
        );
        assert_eq!(assessment.score, 50 + 40 + 30 + 15);
        let evidence: Vec<(&str, &str)> = assessment
            .hits
            .iter()
            .map(|h| (h.reason.as_str(), h.evidence.as_str()))
            .collect();
        // The same texts as the ledger scenario's recorded assessment of this declaration.
        assert_eq!(
            evidence,
            [
                (
                    "declared unit value below the reference band for HS 870840 from CN",
                    "declared 8.64 USD/kg, band 11.00–25.00 USD/kg"
                ),
                (
                    "customs value below the credit amount",
                    "declared 148000.00 USD, credit SCB/LC/26/0417 248500.00 USD \
                     (40.4 % below, tolerance 10 %)"
                ),
                (
                    "customs value differs from the invoice",
                    "declared 148000.00 USD, invoice TH-INV-2611 248500.00 USD \
                     (40.4 % apart, tolerance 2 %)"
                ),
                (
                    "no export declaration from the other side for this import",
                    "import declaration; no mirror declaration linked; lodged on arrival"
                ),
            ]
        );
    }

    /// Each predicate on the Khorgos import (value 248500.00 USD, 17120.0 kg net, 70 C62, HS
    /// 8708409909, origin CN), changed as each case says.
    #[test]
    fn each_predicate_holds_when_it_should_and_says_what_it_saw() {
        type Edit = fn(&mut Inputs);
        let none: Edit = |_| {};
        let cheap: Edit = |i| i.declaration.customs_value = "148000.00".parse().unwrap();
        let dear: Edit = |i| i.declaration.customs_value = "430000.00".parse().unwrap();
        let axles: Edit = |i| i.declaration.hs_code = "870850".parse().unwrap();
        let in_cny: Edit = |i| i.declaration.currency = "CNY".parse().unwrap();
        let no_links: Edit = |i| {
            i.credit = None;
            i.invoice = None;
            i.mirror = None;
        };
        let heavier_mirror: Edit = |i| {
            if let Some(m) = i.mirror.as_mut() {
                m.gross_mass_kg = "19650.0".parse().unwrap();
            }
        };
        let aeo: Edit = |i| i.declarant_aeo = true;
        let pre: Edit = |i| i.pre_arrival = true;
        #[rustfmt::skip]
        let cases: Vec<(&str, Edit, bool, &str)> = vec![
            ("{ unit_value_below_band = {} }", none, false, "declared 14.52 USD/kg, band 11.00–25.00 USD/kg"),
            ("{ unit_value_below_band = {} }", cheap, true, "declared 8.64 USD/kg"),
            ("{ unit_value_below_band = { margin_pct = 25 } }", cheap, false, "8.64"),
            ("{ unit_value_above_band = {} }", dear, true, "declared 25.12 USD/kg"),
            ("{ unit_value_above_band = { margin_pct = 1 } }", dear, false, "25.12"),
            ("{ unit_value_below_band = {} }", axles, false, "declared 3550.00 USD/C62, band 3000.00–4000.00 USD/C62"),
            ("{ unit_value_below_band = {} }", in_cny, false, "no reference band for HS 870840 from CN in CNY per kg or C62"),
            ("\"no_reference_band\"", in_cny, true, "no reference band"),
            ("\"no_reference_band\"", none, false, "band 11.00–25.00"),
            ("{ value_exceeds_lc_amount = { tolerance_pct = 10 } }", dear, true, "(73.0 % above, tolerance 10 %)"),
            ("{ value_exceeds_lc_amount = { tolerance_pct = 10 } }", none, false, "(0.0 % above"),
            ("{ value_below_lc_amount = { tolerance_pct = 10 } }", cheap, true, "credit SCB/LC/26/0417 248500.00 USD (40.4 % below"),
            ("{ value_below_lc_amount = { tolerance_pct = 50 } }", cheap, false, "40.4 % below"),
            ("{ value_below_lc_amount = { tolerance_pct = 10 } }", in_cny, false, "not comparable"),
            ("{ value_below_lc_amount = { tolerance_pct = 10 } }", no_links, false, "no credit linked"),
            ("{ value_differs_from_invoice = { tolerance_pct = 2 } }", dear, true, "invoice TH-INV-2611 248500.00 USD (73.0 % apart"),
            ("{ value_differs_from_invoice = { tolerance_pct = 2 } }", no_links, false, "no invoice linked"),
            ("{ mirror_mismatch = { field = \"gross_mass\", tolerance_pct = 2 } }", heavier_mirror, true, "gross mass: this 18650.0 kg, mirror HG-EX-2026-04-0311 19650.0 kg (5.1 % apart"),
            ("{ mirror_mismatch = { field = \"gross_mass\", tolerance_pct = 6 } }", heavier_mirror, false, "5.1 % apart"),
            ("{ mirror_mismatch = { field = \"hs6\" } }", axles, true, "HS-6: this 870850, mirror HG-EX-2026-04-0311 870840"),
            ("{ mirror_mismatch = { field = \"value\" } }", no_links, false, "no mirror declaration linked"),
            ("\"mirror_missing\"", no_links, true, "no mirror declaration linked"),
            ("\"mirror_missing\"", none, false, "mirror declaration HG-EX-2026-04-0311 linked"),
            ("{ party_on_watchlist = { list = \"sanctions\" } }", none, true, "declarant STEPPE AGRO MACHINERY LLP (tax id 260140012345), consignee STEPPE AGRO MACHINERY LLP (tax id 260140012345) on list 'sanctions'"),
            ("{ party_on_watchlist = { list = \"sanctions\", parties = [\"consignor\"] } }", none, false, "no party checked is on list 'sanctions'"),
            ("{ party_on_watchlist = { list = \"high_risk\", parties = [\"consignor\"] } }", none, true, "consignor TIANSHAN HEAVY INDUSTRY CO. (tax id 91650100MA7XYZ1234) on list 'high_risk'"),
            ("{ hs_chapter_in = [\"87\", \"93\"] }", none, true, "HS chapter 87"),
            ("{ hs_chapter_in = [\"84\"] }", none, false, "HS chapter 87"),
            ("{ hs_subheading_in = [\"870850\", \"870840\"] }", none, true, "HS-6 870840"),
            ("{ hs_subheading_in = [\"870850\"] }", none, false, "HS-6 870840"),
            ("{ origin_in = [\"CN\"] }", none, true, "origin CN"),
            ("{ origin_in = [\"KZ\"] }", none, false, "origin CN"),
            ("{ declaration_kind_in = [\"import\"] }", none, true, "import declaration"),
            ("{ declaration_kind_in = [\"export\", \"transit\"] }", none, false, "import declaration"),
            ("{ border_post_in = [\"khorgos\"] }", none, true, "border post KHORGOS"),
            ("{ border_post_in = [\"AKTAU\"] }", none, false, "border post KHORGOS"),
            ("{ aeo = false }", none, true, "the declarant is not an AEO"),
            ("{ aeo = false }", aeo, false, "the declarant is an AEO"),
            ("{ pre_arrival = true }", pre, true, "lodged before arrival"),
            ("{ pre_arrival = true }", none, false, "lodged on arrival"),
        ];
        for (when, edit, holds, evidence) in cases {
            let rules = one_rule(when);
            let mut inputs = linked(scenario::kz_import(), Some(scenario::cn_export()));
            edit(&mut inputs);
            let facts = Facts::new(&rules, &inputs);
            let predicate = &rules.rules()[0].predicate;
            assert_eq!(facts.holds(predicate), holds, "{when}");
            let mut seen = String::new();
            facts.explain(predicate, holds, &mut seen);
            assert!(seen.contains(evidence), "{when}: {seen}");
            assert_eq!(
                evaluate(&rules, &inputs).hits.len(),
                usize::from(holds),
                "{when}"
            );
        }
    }

    #[test]
    fn combinations_show_the_parts_that_decide() {
        let inputs = linked(scenario::kz_import(), None);
        let cases = [
            (
                "{ all = [{ origin_in = [\"CN\"] }, \"mirror_missing\"] }",
                true,
                "origin CN; no mirror declaration linked",
            ),
            (
                "{ any = [{ origin_in = [\"KZ\"] }, \"mirror_missing\", { aeo = false }] }",
                true,
                "no mirror declaration linked; the declarant is not an AEO",
            ),
            (
                "{ not = { all = [{ origin_in = [\"CN\"] }, { aeo = true }] } }",
                true,
                "the declarant is not an AEO",
            ),
            (
                "{ not = \"mirror_missing\" }",
                false,
                "no mirror declaration linked",
            ),
        ];
        for (when, holds, evidence) in cases {
            let rules = one_rule(when);
            let assessment = evaluate(&rules, &inputs);
            assert_eq!(assessment.hits.len(), usize::from(holds), "{when}");
            let facts = Facts::new(&rules, &inputs);
            let mut seen = String::new();
            facts.explain(&rules.rules()[0].predicate, holds, &mut seen);
            assert_eq!(seen, evidence, "{when}");
        }
    }

    #[test]
    fn weights_forced_channels_and_the_draw_set_the_channel() {
        let rules_text = |weights: &str, draw: &str| {
            let mut text = format!("[channels]\nyellow_from = 40\nred_from = 80\n{draw}\n");
            for (i, effect) in weights.split(',').enumerate() {
                text += &format!(
                    "[[rule]]\nid = \"R{i}\"\nversion = 1\n{effect}\nreason = \"r\"\nwhen = {{ aeo = false }}\n"
                );
            }
            let mut read = |_: &str| -> Result<String, RulesError> { unreachable!() };
            RuleSet::parse("t.toml", &text, &mut read).unwrap()
        };
        let seed = DrawSeed {
            block: Fingerprint([0x11; 32]),
            declaration: Fingerprint([0x22; 32]),
        };
        let inputs = Inputs {
            draw_seed: Some(seed),
            ..Inputs::new(scenario::kz_import())
        };
        let always = "[draw]\nrate_ppm = 1000000\nchannel = \"red\"";
        let never = "[draw]\nrate_ppm = 0\nchannel = \"red\"";
        let cases = [
            ("weight = 39", "", Channel::Green, 39),
            ("weight = 39,weight = 1", "", Channel::Yellow, 40),
            (
                "weight = 60,weight = 30,weight = -11",
                "",
                Channel::Yellow,
                79,
            ),
            ("weight = 60,weight = 30", "", Channel::Red, 90),
            ("weight = 1,forced = \"yellow\"", "", Channel::Yellow, 1),
            ("weight = 90,forced = \"yellow\"", "", Channel::Red, 90),
            ("weight = 1", always, Channel::Red, 1),
            ("weight = 1", never, Channel::Green, 1),
        ];
        for (weights, draw, channel, score) in cases {
            let assessment = evaluate(&rules_text(weights, draw), &inputs);
            assert_eq!(
                (assessment.channel, assessment.score),
                (channel, score),
                "{weights} {draw}"
            );
            assert_eq!(assessment.draw.is_some(), !draw.is_empty());
        }
        let drawn = evaluate(&rules_text("weight = 1", always), &inputs)
            .draw
            .unwrap();
        assert_eq!(
            drawn.value,
            draw::draw_value(&seed.block, &seed.declaration)
        );
        assert!(draw::verify(&drawn));
        let unseeded = evaluate(
            &rules_text("weight = 1", always),
            &Inputs::new(scenario::kz_import()),
        );
        assert_eq!((unseeded.channel, unseeded.draw), (Channel::Green, None));
    }

    #[test]
    fn the_ledger_record_keeps_the_weightiest_hits_within_bounds() {
        let effects = [
            HitEffect::Weight(5),
            HitEffect::Forced(Channel::Yellow),
            HitEffect::Weight(-30),
            HitEffect::Forced(Channel::Red),
        ];
        let hits: Vec<RuleHit> = (0..70)
            .map(|i| RuleHit {
                rule_id: format!("R{i}"),
                rule_version: 1,
                effect: if i < 4 {
                    effects[i]
                } else {
                    HitEffect::Weight(1)
                },
                reason: "r".into(),
                evidence: "€".repeat(300),
            })
            .collect();
        let assessment = Assessment {
            channel: Channel::Red,
            score: 0,
            hits,
            rule_set_hash: Fingerprint([3; 32]),
            draw: None,
        };
        let record = assessment.to_risk_assessment();
        assert_eq!(record.hits.len(), 64);
        assert_eq!(record.hits_omitted, 6);
        let first: Vec<&str> = record.hits[..4]
            .iter()
            .map(|h| h.rule_id.as_str())
            .collect();
        assert_eq!(first, ["R3", "R1", "R2", "R0"]);
        assert!(record
            .hits
            .iter()
            .all(|h| h.evidence.chars().count() == 256));
        assert!(record.hits[0].evidence.ends_with('…'));
        assert_eq!(record.rule_set, Some(Fingerprint([3; 32])));
    }

    #[test]
    fn fixed_point_helpers() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(fixed(d("1.5")), 1_500_000);
        assert_eq!(fixed(d("-0.000001")), -1);
        assert_eq!(percent_apart_tenths(148, 248, 248), 403);
        assert_eq!(percent_apart_tenths(1, 1, 0), 0);
        assert_eq!(Tenths(404).to_string(), "40.4");
        assert_eq!(
            per_unit_text(fixed(d("148000.00")), fixed(d("17120.0"))),
            "8.64"
        );
        assert_eq!(per_unit_text(fixed(d("1")), 0), "n/a");
    }
}
