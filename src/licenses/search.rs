//! The SQL of a licence search: one part per index a term can go through (licence key, order
//! number, the matching customers, the matching plans), written so that the statement's text
//! depends only on which parts there are, never on the term.
//!
//! Why: the portal's connections plan each statement once for all values (`db::connect`), and
//! a statement is prepared once per connection. A search that held its words as literals was
//! planned on every request instead: pgbench of the plan search at 1,000,000 licences ran
//! 802/s planned per request and 2,121/s prepared with its words bound. A plan made once for
//! every term must still be right for a rare term and a frequent one, so the shape is fixed
//! here rather than left to the planner:
//!
//! - A part served by a trigram index is a materialized set of all its hits (`… as materialized
//!   (select …)`), then sorted and cut to a page. Nothing is ordered or limited inside it, so
//!   the planner has no reason to walk the partner's whole list in order hoping to meet a
//!   match soon (it did, once the words were bound: 2.7 s for a plan search).
//! - A term with no run of three letters or digits gives the trigram index nothing to look up;
//!   such a part walks the list in its order instead, through an expression (`strpos`) that no
//!   index serves, and stops at a page of matches.
//! - An order-number part keeps its pattern as a literal (`quote_literal`), planned for it: a
//!   short number ("YP-00") matches most orders and must be walked, a long one few. Only a term
//!   made of digits, `Y`, `P` and `-` has that part; such a statement is sent unprepared.

use sqlx::{Postgres, QueryBuilder};

use crate::accounts::tenancy;
use crate::db::{escape_like, quote_literal};
use crate::ids::AccountId;
use crate::paging::SortKey;

/// A search matching more customers than this looks for their licences among the first ones
/// only (a term that broad finds licences by key, order or plan too).
const MAX_MATCHING_CUSTOMERS: i64 = 500;

/// How one part of a search finds its licences.
#[derive(Debug, PartialEq)]
pub(super) enum Part {
    /// Keys containing the term, through the key's trigram index. Every key starts with `YS-`,
    /// whose trigrams are in every entry of that index: a term typed with that start asks the
    /// index for the rest (`index`), and the whole term (`whole`) is checked on the rows found.
    KeyHits {
        index: String,
        whole: Option<String>,
    },
    /// Keys containing a term too short for trigrams (upper case), along the list's order.
    KeyWalk { upper: String },
    /// Licences of orders whose number contains the term (an SQL literal).
    OrderNumber { literal: String },
    /// Licences of the customers whose name, company or email contain the term (lower case),
    /// found through the partner's trigram index of customers (`db::push_contains`).
    CustomerHits { lower: String },
    /// The same for a term too short for trigrams (lower case), along the list's order.
    CustomerWalk { lower: String },
    /// Licences of the plans whose names contain the term (codes from the in-memory catalog).
    Plans { codes: Vec<String> },
}

impl Part {
    /// The name of the part's materialized set of hits, if it has one.
    fn hits(&self) -> Option<&'static str> {
        match self {
            Self::KeyHits { .. } => Some("key_hits"),
            Self::CustomerHits { .. } => Some("customer_hits"),
            _ => None,
        }
    }
}

/// The parts of a search for `term`, in the order they are written.
pub(super) fn parts(term: &str, plan_codes: &[String]) -> Vec<Part> {
    let mut parts = Vec::new();
    // A key is `YS-` and groups of letters and digits, an order number `YP-` and digits: a
    // part the term cannot match is left out.
    if term.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        parts.push(key_part(term));
    }
    let order_like =
        |c: char| c.is_ascii_digit() || matches!(c.to_ascii_uppercase(), 'Y' | 'P' | '-');
    if term.chars().all(order_like) {
        parts.push(Part::OrderNumber {
            literal: quote_literal(&format!("%{}%", escape_like(term))),
        });
    }
    let lower = term.to_lowercase();
    parts.push(if has_trigram(&lower) {
        Part::CustomerHits { lower }
    } else {
        Part::CustomerWalk { lower }
    });
    if !plan_codes.is_empty() {
        parts.push(Part::Plans {
            codes: plan_codes.to_vec(),
        });
    }
    parts
}

fn key_part(term: &str) -> Part {
    let rest = term
        .get(..3)
        .filter(|start| start.eq_ignore_ascii_case("ys-"))
        .map(|_| &term[3..])
        .filter(|rest| has_trigram(rest));
    match rest {
        Some(rest) => Part::KeyHits {
            index: format!("%{}%", escape_like(rest)),
            whole: Some(format!("%{}%", escape_like(&term.to_uppercase()))),
        },
        None if has_trigram(term) => Part::KeyHits {
            index: format!("%{}%", escape_like(term)),
            whole: None,
        },
        None => Part::KeyWalk {
            upper: term.to_uppercase(),
        },
    }
}

/// Whether a trigram index can look `text` up: it needs three letters or digits in a row
/// (pg_trgm splits words at anything else, and a "contains" pattern has no word boundaries
/// at its ends to pad).
fn has_trigram(text: &str) -> bool {
    text.split(|c: char| !c.is_alphanumeric())
        .any(|word| word.chars().count() >= 3)
}

/// Whether a statement with these parts can be prepared: only an order-number part holds a
/// literal.
pub(super) fn preparable(parts: &[Part]) -> bool {
    !parts.iter().any(|p| matches!(p, Part::OrderNumber { .. }))
}

/// `with …` the materialized sets of hits of the parts that have one (or nothing). `scope`
/// writes the tenant scope, filter and page position for `licenses l`; `sort_column` is the
/// list's sort column, kept with each hit so the set can be cut to a page without the table.
pub(super) fn push_hits(
    q: &mut QueryBuilder<'_, Postgres>,
    partner_id: AccountId,
    parts: &[Part],
    sort_column: &str,
    scope: &dyn Fn(&mut QueryBuilder<'_, Postgres>),
) {
    let mut first = true;
    for part in parts {
        let Some(name) = part.hits() else { continue };
        q.push(if first { "with " } else { ", " });
        first = false;
        if let Part::CustomerHits { lower } = part {
            q.push("matching_customers as materialized (");
            tenancy::push_customers_matching(q, partner_id, lower, true, MAX_MATCHING_CUSTOMERS);
            q.push("), ");
        }
        q.push(format!(
            "{name} as materialized (select l.id, {sort_column} as sort_value from licenses l"
        ));
        scope(q);
        match part {
            Part::KeyHits { index, whole } => {
                q.push(" and l.key ilike ");
                q.push_bind(index.clone());
                if let Some(whole) = whole {
                    // An expression the index does not cover, so it is checked on the rows
                    // found rather than handed back to the index.
                    q.push(" and upper(l.key) like ");
                    q.push_bind(whole.clone());
                }
            }
            Part::CustomerHits { .. } => {
                q.push(" and l.customer_id in (select id from matching_customers)");
            }
            _ => unreachable!("only parts with hits"),
        }
        q.push(")");
    }
    if !first {
        q.push(" ");
    }
}

/// ` and l.id in (…)`: each part's first page (`limit` rows in the order of `key`), joined by
/// `union`.
pub(super) fn push_pages(
    q: &mut QueryBuilder<'_, Postgres>,
    partner_id: AccountId,
    parts: &[Part],
    key: SortKey,
    limit: i64,
    scope: &dyn Fn(&mut QueryBuilder<'_, Postgres>),
) {
    let hits_order = SortKey {
        column: "sort_value",
        id: "id",
        ..key
    };
    q.push(" and l.id in (");
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            q.push(" union ");
        }
        if let Some(name) = part.hits() {
            q.push(format!("(select id from {name}"));
            hits_order.push_order_and_limit(q, limit);
            q.push(")");
            continue;
        }
        q.push("(select l.id from licenses l");
        scope(q);
        q.push(" and ");
        match part {
            Part::KeyWalk { upper } => {
                q.push("strpos(upper(l.key), ");
                q.push_bind(upper.clone());
                q.push(") > 0");
            }
            Part::OrderNumber { literal } => {
                q.push("l.order_id in (select o.id from orders o where o.partner_id = ");
                q.push_bind(partner_id);
                q.push(format!(" and o.number ilike {literal})"));
            }
            Part::CustomerWalk { lower } => {
                q.push("l.customer_id = any(array(");
                tenancy::push_customers_matching(
                    q,
                    partner_id,
                    lower,
                    false,
                    MAX_MATCHING_CUSTOMERS,
                );
                q.push("))");
            }
            Part::Plans { codes } => {
                q.push("l.plan_code = any(");
                q.push_bind(codes.clone());
                q.push(")");
            }
            Part::KeyHits { .. } | Part::CustomerHits { .. } => unreachable!("parts with hits"),
        }
        key.push_order_and_limit(q, limit);
        q.push(")");
    }
    q.push(")");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_term_starting_with_the_key_prefix_asks_the_index_for_the_rest() {
        assert_eq!(
            key_part("ys-635c"),
            Part::KeyHits {
                index: "%635c%".into(),
                whole: Some("%YS-635C%".into())
            }
        );
        assert_eq!(
            key_part("635C"),
            Part::KeyHits {
                index: "%635C%".into(),
                whole: None
            }
        );
        assert_eq!(
            key_part("YS-6A1"),
            Part::KeyHits {
                index: "%6A1%".into(),
                whole: Some("%YS-6A1%".into())
            }
        );
        // Nothing the index can look up after the prefix, nor in the whole term: along the list.
        assert_eq!(
            key_part("ys-6a"),
            Part::KeyWalk {
                upper: "YS-6A".into()
            }
        );
        assert_eq!(key_part("a1"), Part::KeyWalk { upper: "A1".into() });
    }

    #[test]
    fn a_trigram_needs_three_letters_or_digits_in_a_row() {
        assert!(has_trigram("abc"));
        assert!(has_trigram("ys-635c"));
        assert!(has_trigram("zoë"));
        assert!(!has_trigram("ab"));
        assert!(!has_trigram("a b c"));
        assert!(!has_trigram("ys-6"));
        assert!(!has_trigram("%_%"));
    }

    #[test]
    fn only_an_order_number_part_keeps_the_statement_from_being_prepared() {
        let plans = vec!["cloud_pbx_ultimate".to_owned()];
        let parts = parts("ultimate", &plans);
        assert_eq!(parts.len(), 3, "{parts:?}");
        assert!(preparable(&parts));
        assert!(!preparable(&super::parts("001001", &[])));
        assert!(preparable(&super::parts("falcon telecom", &[])));
    }
}
