//! Aggregates of consecutive chunks, combined along one fixed binary tree.
//!
//! Floating-point merging is not associative: (a + b) + c and a + (b + c)
//! differ in their last bits. A single run, the shards of a split run and a
//! resumed run would therefore disagree if each combined chunks in whatever
//! order it met them. Here every chunk range is combined along the same
//! dyadic tree: the block of chunks `[i 2^l, (i + 1) 2^l)` is always its left
//! half followed by its right half, and the maximal blocks that remain at the
//! end are folded left to right. Whoever computes a block, and whatever
//! blocks of a partition arrive, the result is the same bits.

use serde::{Deserialize, Serialize};

/// An aggregate over replicates that can absorb the aggregate of the
/// replicates that follow it.
pub trait Aggregate: Clone + Send {
    /// `self` covers replicates `a..b`, `right` covers `b..c`; afterwards
    /// `self` covers `a..c`.
    fn append(&mut self, right: &Self);
}

impl<T: Aggregate> Aggregate for Vec<T> {
    fn append(&mut self, right: &Self) {
        debug_assert_eq!(self.len(), right.len());
        for (a, b) in self.iter_mut().zip(right) {
            a.append(b);
        }
    }
}

/// The aggregate of chunks `index << level .. (index + 1) << level`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Block<T> {
    pub level: u32,
    pub index: u64,
    pub value: T,
}

impl<T> Block<T> {
    pub fn start(&self) -> u64 {
        self.index << self.level
    }

    pub fn end(&self) -> u64 {
        (self.index + 1) << self.level
    }

    /// The same block holding another representation of its value.
    pub fn map<U, E>(self, f: impl FnOnce(T) -> Result<U, E>) -> Result<Block<U>, E> {
        Ok(Block {
            level: self.level,
            index: self.index,
            value: f(self.value)?,
        })
    }
}

/// Why a block could not be added: chunks would be missing or counted twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TreeError {
    /// Chunks `expected..found` are missing.
    Gap { expected: u64, found: u64 },
    /// Chunks `found..expected` would be counted twice.
    Overlap { expected: u64, found: u64 },
    /// A block whose index does not fit its level (a corrupted file).
    Invalid { level: u32, index: u64 },
}

impl std::fmt::Display for TreeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            TreeError::Gap { expected, found } => {
                write!(f, "chunks {expected}..{found} are missing")
            }
            TreeError::Overlap { expected, found } => {
                write!(f, "chunks {found}..{expected} are present twice")
            }
            TreeError::Invalid { level, index } => {
                write!(f, "block {index} at level {level} is out of range")
            }
        }
    }
}

impl std::error::Error for TreeError {}

/// The blocks covering a contiguous run of chunks, siblings combined as soon
/// as both are present (a binary counter: at most about 2 log2(chunks)
/// blocks are held).
#[derive(Debug, Clone)]
pub struct ChunkTree<T> {
    blocks: Vec<Block<T>>,
}

impl<T> Default for ChunkTree<T> {
    fn default() -> Self {
        Self { blocks: Vec::new() }
    }
}

impl<T: Aggregate> ChunkTree<T> {
    pub fn new() -> Self {
        Self::default()
    }

    /// First chunk covered, if any.
    pub fn start(&self) -> Option<u64> {
        self.blocks.first().map(Block::start)
    }

    /// One past the last chunk covered, if any.
    pub fn end(&self) -> Option<u64> {
        self.blocks.last().map(Block::end)
    }

    pub fn blocks(&self) -> &[Block<T>] {
        &self.blocks
    }

    pub fn push_leaf(&mut self, chunk: u64, value: T) -> Result<(), TreeError> {
        self.push(Block {
            level: 0,
            index: chunk,
            value,
        })
    }

    /// Adds the block that follows the chunks covered so far.
    pub fn push(&mut self, block: Block<T>) -> Result<(), TreeError> {
        if block.level >= 63 || block.index >= u64::MAX >> block.level {
            return Err(TreeError::Invalid {
                level: block.level,
                index: block.index,
            });
        }
        if let Some(expected) = self.end() {
            let found = block.start();
            if found > expected {
                return Err(TreeError::Gap { expected, found });
            }
            if found < expected {
                return Err(TreeError::Overlap { expected, found });
            }
        }
        self.blocks.push(block);
        while let [.., left, right] = self.blocks.as_slice() {
            let siblings =
                left.level == right.level && left.index % 2 == 0 && left.index + 1 == right.index;
            if !siblings {
                break;
            }
            let Some(right) = self.blocks.pop() else {
                break;
            };
            if let Some(left) = self.blocks.last_mut() {
                left.value.append(&right.value);
                left.level += 1;
                left.index /= 2;
            }
        }
        Ok(())
    }

    /// The aggregate of everything covered: the remaining (maximal) blocks
    /// folded left to right. None when nothing was pushed.
    pub fn finish(self) -> Option<T> {
        let mut it = self.blocks.into_iter();
        let mut acc = it.next()?.value;
        for b in it {
            acc.append(&b.value);
        }
        Some(acc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records the exact order of combination, so equality means "same tree".
    #[derive(Debug, Clone, PartialEq)]
    struct Expr(String);

    impl Aggregate for Expr {
        fn append(&mut self, right: &Self) {
            self.0 = format!("({}+{})", self.0, right.0);
        }
    }

    fn leaves(range: std::ops::Range<u64>) -> ChunkTree<Expr> {
        let mut t = ChunkTree::new();
        for c in range {
            t.push_leaf(c, Expr(c.to_string())).unwrap();
        }
        t
    }

    #[test]
    fn single_run_combines_along_the_binary_tree() {
        let t = leaves(0..6);
        assert_eq!(t.blocks().len(), 2);
        assert_eq!(t.finish().unwrap().0, "(((0+1)+(2+3))+(4+5))");
    }

    #[test]
    fn any_split_into_shards_gives_the_same_tree() {
        for m in 1..40u64 {
            let whole = leaves(0..m).finish().unwrap();
            for cuts in [
                vec![m / 2],
                vec![1, m / 3 + 1, m - 1],
                vec![m / 5, m / 5 + 3],
            ] {
                let mut bounds = vec![0];
                bounds.extend(cuts.into_iter().filter(|&c| c > 0 && c < m));
                bounds.push(m);
                bounds.dedup();
                let mut merged = ChunkTree::new();
                for w in bounds.windows(2) {
                    for b in leaves(w[0]..w[1]).blocks {
                        merged.push(b).unwrap();
                    }
                }
                assert_eq!(merged.finish().unwrap(), whole, "m = {m}");
            }
        }
    }

    #[test]
    fn gaps_and_overlaps_are_refused() {
        let mut t = leaves(0..3);
        assert_eq!(
            t.push_leaf(4, Expr("4".into())),
            Err(TreeError::Gap {
                expected: 3,
                found: 4
            })
        );
        let b = leaves(2..4).blocks[0].clone();
        assert_eq!(
            t.push(b),
            Err(TreeError::Overlap {
                expected: 3,
                found: 2
            })
        );
    }
}
