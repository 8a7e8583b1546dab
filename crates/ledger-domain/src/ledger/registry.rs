//! A map from caller-chosen ids to dense indexes, so entities refer to each other by
//! `u32` (no string clones per event) and iterate in registration order.

use serde::{Deserialize, Serialize};

use super::FastHashMap;
use crate::id::Id;

/// Entities of one type, by id and by index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Registry<T> {
    #[serde(serialize_with = "super::sorted::serialize")]
    index: FastHashMap<Id, u32>,
    items: Vec<T>,
}

impl<T> Default for Registry<T> {
    fn default() -> Self {
        Registry {
            index: FastHashMap::default(),
            items: Vec::new(),
        }
    }
}

impl<T> Registry<T> {
    /// The index of `id`, if registered.
    pub fn index_of(&self, id: &str) -> Option<u32> {
        self.index.get(id).copied()
    }

    /// The entity `id`.
    pub fn get(&self, id: &str) -> Option<&T> {
        self.index_of(id).and_then(|index| self.at(index))
    }

    /// The entity at `index`.
    pub fn at(&self, index: u32) -> Option<&T> {
        self.items.get(index as usize)
    }

    /// The entity at `index`, mutably.
    pub fn at_mut(&mut self, index: u32) -> Option<&mut T> {
        self.items.get_mut(index as usize)
    }

    /// The entity `id`, mutably.
    pub fn get_mut(&mut self, id: &str) -> Option<&mut T> {
        let index = self.index_of(id)?;
        self.at_mut(index)
    }

    /// Registers `item` under `id` unless the id is taken; returns its index, or `None`
    /// if the id was already registered (the existing entity is kept).
    pub fn insert(&mut self, id: &Id, item: T) -> Option<u32> {
        if self.index.contains_key(id.as_str()) {
            return None;
        }
        let index = u32::try_from(self.items.len()).ok()?;
        self.index.insert(id.clone(), index);
        self.items.push(item);
        Some(index)
    }

    /// All entities in registration order, with their indexes.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &T)> {
        (0u32..).zip(self.items.iter())
    }

    /// The number of entities.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}
