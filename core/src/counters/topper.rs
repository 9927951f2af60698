//! The `topper` module deals with picking the top N keys of a meter: exact,
//! off the packet path (the coordinator runs it once per topper bucket).
//!
//! Order: value descending, then key ascending, so the list is the same on
//! every run and for any worker count. Keys whose value is 0 are not
//! toppers.

/// One entry of a topper list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topper<K> {
    /// The key.
    pub key: K,
    /// Value over the topper bucket.
    pub value: i64,
}

/// The top `n` of `items` (key, value), best first.
///
/// One pass with a bounded heap of the `n` best so far: O(keys · log n), and
/// most keys cost one comparison with the worst kept.
pub fn top_n<K: Ord>(items: impl IntoIterator<Item = (K, i64)>, n: usize) -> Vec<Topper<K>> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    if n == 0 {
        return Vec::new();
    }
    // `Reverse` makes the heap's top the worst entry kept.
    let mut heap: BinaryHeap<Reverse<Ranked<K>>> = BinaryHeap::with_capacity(n.min(1024) + 1);
    for (key, value) in items {
        if value == 0 {
            continue;
        }
        let r = Ranked { value, key };
        if heap.len() < n {
            heap.push(Reverse(r));
        } else if let Some(mut worst) = heap.peek_mut() {
            if r > worst.0 {
                *worst = Reverse(r);
            }
        }
    }
    let mut all: Vec<Topper<K>> = heap
        .into_iter()
        .map(|Reverse(r)| Topper {
            key: r.key,
            value: r.value,
        })
        .collect();
    all.sort_unstable_by(|a, b| b.value.cmp(&a.value).then_with(|| a.key.cmp(&b.key)));
    all
}

/// An entry ordered so that "greater" means "ranks higher": a larger value,
/// then a smaller key.
#[derive(PartialEq, Eq)]
struct Ranked<K> {
    value: i64,
    key: K,
}

impl<K: Ord> Ord for Ranked<K> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.value
            .cmp(&other.value)
            .then_with(|| other.key.cmp(&self.key))
    }
}

impl<K: Ord> PartialOrd for Ranked<K> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_top_with_ties_by_key() {
        let items = [("b", 5), ("a", 5), ("c", 9), ("d", 0), ("e", 1), ("f", 5)];
        let top = top_n(items.iter().copied(), 3);
        let got: Vec<_> = top.iter().map(|t| (t.key, t.value)).collect();
        assert_eq!(got, vec![("c", 9), ("a", 5), ("b", 5)]);
        assert_eq!(
            top_n(items.iter().copied(), 10).len(),
            5,
            "zeros are left out"
        );
        assert!(top_n(items.iter().copied(), 0).is_empty());
        // Against a full sort on a larger input.
        let many: Vec<(String, i64)> = (0..500)
            .map(|i| (format!("k{i:03}"), (i * 7919) % 97))
            .collect();
        let mut sorted: Vec<_> = many.iter().filter(|(_, v)| *v != 0).collect();
        sorted.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let top = top_n(many.iter().map(|(k, v)| (k.as_str(), *v)), 20);
        let want: Vec<_> = sorted[..20].iter().map(|(k, v)| (k.as_str(), *v)).collect();
        let got: Vec<_> = top.iter().map(|t| (t.key, t.value)).collect();
        assert_eq!(got, want);
    }
}
