//! Properties of the Content-Range parser and of the chunk bookkeeping: no input panics,
//! no accepted chunk overlaps another, and an upload completes exactly when its chunks
//! cover the whole file.

use proptest::prelude::*;
use upload_server::content_range::{parse, ContentRange};
use upload_server::parts::{Accepted, PartLedger, MIN_PART_SIZE};
use upload_server::ranges::ByteLedger;

const MIB: u64 = 1024 * 1024;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parser_never_panics(text in ".{0,40}") {
        let _ = parse(&text);
    }

    #[test]
    fn parser_never_panics_near_the_grammar(text in "(part|bytes|Part| )[ 0-9*/+-]{0,30}") {
        let _ = parse(&text);
    }

    #[test]
    fn parser_reads_what_was_written(part in 0u64..20_000, total in proptest::option::of(0u64..20_000),
                                     from in 0u64..u64::MAX / 2, len in 0u64..1_000_000) {
        let star = |t: Option<u64>| t.map_or("*".to_owned(), |t| t.to_string());
        prop_assert_eq!(parse(&format!("part {part}/{}", star(total))), Some(ContentRange::Part { part, total }));
        let to = from + len;
        prop_assert_eq!(
            parse(&format!("bytes {from}-{to}/{}", star(total))),
            Some(ContentRange::Bytes { from, to, total })
        );
    }

    #[test]
    fn part_ledger_accepts_each_part_once_and_completes_exactly_when_all_arrived(
        requests in proptest::collection::vec((1u64..8, proptest::option::of(1u64..8), prop_oneof![Just(1u64), Just(MIN_PART_SIZE), Just(6 * MIB)]), 1..40)
    ) {
        let mut ledger = PartLedger::default();
        let mut accepted = std::collections::BTreeSet::new();
        for (part, total, size) in requests {
            let before = ledger.clone();
            match ledger.accept(part, total, size) {
                Ok(state) => {
                    prop_assert!(accepted.insert(part), "part {} accepted twice", part);
                    let total = ledger.total();
                    let complete = total.is_some_and(|t| (1..=t).all(|p| accepted.contains(&p)));
                    prop_assert_eq!(state == Accepted::Complete, complete);
                    prop_assert!(total.is_none_or(|t| accepted.iter().all(|&p| p <= t)));
                    if complete { break; }
                }
                Err(_) => prop_assert_eq!(&ledger, &before, "a rejected part changed the ledger"),
            }
        }
    }

    #[test]
    fn byte_ledger_never_accepts_an_overlap(
        requests in proptest::collection::vec((0u64..40, 1u64..12, any::<bool>()), 1..40)
    ) {
        // Offsets and lengths in MiB so that most ranges pass the size rules.
        let total = 30 * MIB;
        let mut ledger = ByteLedger::default();
        let mut accepted: Vec<(u64, u64)> = Vec::new();
        for (start, len, announce) in requests {
            let (from, to) = (start * MIB, (start + len) * MIB - 1);
            let before = ledger.clone();
            match ledger.accept(from, to, announce.then_some(total), to - from + 1) {
                Ok(state) => {
                    prop_assert!(accepted.iter().all(|&(f, t)| to < f || from > t), "overlap accepted");
                    accepted.push((from, to));
                    accepted.sort();
                    let contiguous = accepted.first().map(|r| r.0) == Some(0)
                        && accepted.windows(2).all(|w| w[0].1 + 1 == w[1].0);
                    let complete = ledger.total() == Some(total) && contiguous && accepted.last().unwrap().1 + 1 == total;
                    prop_assert_eq!(state == Accepted::Complete, complete);
                    if complete { break; }
                }
                Err(_) => prop_assert_eq!(&ledger, &before, "a rejected range changed the ledger"),
            }
        }
    }
}
