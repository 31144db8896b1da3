//! Keyset pagination for admin listings: a page holds at most `limit`
//! items, ordered by a unique key, and `next` is the key to continue
//! after. Stable under inserts and deletes, unlike offsets.

use super::AdminError;

pub const DEFAULT_PAGE_SIZE: i64 = 50;
pub const MAX_PAGE_SIZE: i64 = 200;

/// What the caller asked for.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    /// 1 to [`MAX_PAGE_SIZE`]; [`DEFAULT_PAGE_SIZE`] when unset.
    pub limit: Option<i64>,
    /// The `next` of the previous page.
    pub after: Option<String>,
    /// A case-insensitive substring to filter by (where the listing has one).
    pub search: Option<String>,
}

impl PageRequest {
    /// The page size, checked.
    pub fn size(&self) -> Result<i64, AdminError> {
        match self.limit {
            None => Ok(DEFAULT_PAGE_SIZE),
            Some(n) if (1..=MAX_PAGE_SIZE).contains(&n) => Ok(n),
            Some(_) => Err(AdminError::invalid_field("limit", format!("limit must be 1 to {MAX_PAGE_SIZE}"))),
        }
    }

    /// The search text, trimmed; `None` when empty.
    pub fn search(&self) -> Option<String> {
        self.search.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
    }
}

/// One page of a listing.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// `rows` were read with `size + 1` as their limit: the extra row only
    /// says there is more.
    pub fn from_rows(mut rows: Vec<T>, size: i64, key: impl Fn(&T) -> String) -> Page<T> {
        let more = rows.len() as i64 > size;
        rows.truncate(size as usize);
        let next = if more { rows.last().map(key) } else { None };
        Page { items: rows, next }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), next: self.next }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extra_row_only_says_there_is_more() {
        let page = Page::from_rows(vec![1, 2, 3], 2, |n| n.to_string());
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(page.next.as_deref(), Some("2"));
        let last = Page::from_rows(vec![1, 2], 2, |n| n.to_string());
        assert_eq!(last.next, None);
    }

    #[test]
    fn page_sizes_are_bounded() {
        assert_eq!(PageRequest::default().size().unwrap(), DEFAULT_PAGE_SIZE);
        assert!(PageRequest { limit: Some(0), ..Default::default() }.size().is_err());
        assert!(PageRequest { limit: Some(MAX_PAGE_SIZE + 1), ..Default::default() }.size().is_err());
    }
}
