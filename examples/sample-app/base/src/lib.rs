//! A tiny inventory library: the base revision of deep-review's demo change.

/// Stock of one item.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub name: String,
    pub count: u32,
}

/// Total number of units in stock.
pub fn total(items: &[Item]) -> u32 {
    return items.iter().map(|i| i.count).sum();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_counts() {
        let items = vec![Item { name: "bolt".into(), count: 3 }, Item { name: "nut".into(), count: 4 }];
        assert_eq!(total(&items), 7);
    }
}
