//! The used range of a sheet as a dense, row-major grid of cells.

use calamine::Data;

/// The used range of a sheet: from its first to its last non-empty cell in both directions,
/// row by row, with [`Data::Empty`] for the gaps (what calamine's `Range` holds, built only
/// after the limits were checked).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Grid {
    /// 0-based (row, column) of the top-left cell; `None` for an empty sheet.
    start: Option<(u32, u32)>,
    width: usize,
    cells: Vec<Data>,
}

impl Grid {
    /// A grid of `width` columns whose top-left cell is at `start`; `cells` is row-major and
    /// a whole number of rows long.
    pub(crate) fn new(start: (u32, u32), width: usize, cells: Vec<Data>) -> Grid {
        debug_assert!(width > 0 && cells.len() % width == 0);
        Grid {
            start: Some(start),
            width,
            cells,
        }
    }

    /// 0-based (row, column) in the sheet of the grid's top-left cell; `None` when the sheet
    /// has no non-empty cell.
    pub fn start(&self) -> Option<(u32, u32)> {
        self.start
    }

    /// Number of columns.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Number of rows.
    pub fn height(&self) -> usize {
        self.cells.len().checked_div(self.width).unwrap_or(0)
    }

    /// Whether the sheet has no non-empty cell.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// The rows, top to bottom, each `width` cells long.
    pub fn rows(&self) -> std::slice::Chunks<'_, Data> {
        // `chunks(0)` panics; an empty grid has no cells, so any width yields no rows.
        self.cells.chunks(self.width.max(1))
    }

    /// The cell at 0-based `row` and `col` relative to [`Grid::start`].
    pub fn get(&self, row: usize, col: usize) -> Option<&Data> {
        if col >= self.width {
            return None;
        }
        self.cells
            .get(row.checked_mul(self.width)?.checked_add(col)?)
    }
}
