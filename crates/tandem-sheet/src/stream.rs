//! Streaming a worksheet's cells into a [`Grid`] under the row, column, cell and text limits.

use crate::{a1, grouped, Grid, Limit, Limits, SheetError};
use calamine::{Cell, Data, DataRef, Xlsx, XlsxError};
use std::io::{Read, Seek};

/// Reads sheet `name` cell by cell. calamine's `worksheet_range` would size its dense range
/// from the cells' extent before anyone could look at it; here each non-empty cell is checked
/// as it arrives, and the dense grid is built only once its size is known to be within the
/// limits.
pub(crate) fn read_cells<RS: Read + Seek>(
    xlsx: &mut Xlsx<RS>,
    name: &str,
    limits: &Limits,
) -> Result<Grid, SheetError> {
    let malformed = |e: XlsxError| SheetError::Malformed(format!("sheet {name:?}: {e}"));
    let mut reader = match xlsx.worksheet_cells_reader(name) {
        Ok(r) => r,
        // A chart sheet has no cells (calamine's own range is empty for it too).
        Err(XlsxError::NotAWorksheet(_)) => return Ok(Grid::default()),
        Err(e) => return Err(malformed(e)),
    };
    let mut acc = Accumulator::new(limits);
    while let Some(cell) = reader.next_cell().map_err(malformed)? {
        acc.push(cell)?;
    }
    Ok(acc.into_grid())
}

/// The non-empty cells seen so far, their bounding box and their text.
struct Accumulator<'l> {
    limits: &'l Limits,
    cells: Vec<((u32, u32), Data)>,
    /// (first row, last row, first column, last column).
    bounds: Option<(u32, u32, u32, u32)>,
    text_bytes: u64,
}

impl<'l> Accumulator<'l> {
    fn new(limits: &'l Limits) -> Accumulator<'l> {
        Accumulator {
            limits,
            cells: Vec::new(),
            bounds: None,
            text_bytes: 0,
        }
    }

    fn push(&mut self, cell: Cell<DataRef<'_>>) -> Result<(), SheetError> {
        let (row, col) = cell.get_position();
        let value = cell.get_value();
        // Empty cells (formatting only) do not widen calamine's range either.
        if matches!(value, DataRef::Empty) {
            return Ok(());
        }
        let limits = self.limits;
        if col >= limits.max_columns {
            return Err(SheetError::too_large(
                Limit::Columns,
                limits,
                format!(
                    "cell {} is in column {}",
                    a1(row, col),
                    grouped(u64::from(col) + 1)
                ),
            ));
        }
        if row >= limits.max_rows {
            return Err(SheetError::too_large(
                Limit::Rows,
                limits,
                format!(
                    "cell {} is in row {}",
                    a1(row, col),
                    grouped(u64::from(row) + 1)
                ),
            ));
        }
        self.widen(row, col)?;
        if self.cells.len() as u64 >= limits.max_cells {
            // The same cell written many times keeps the range small but not the list.
            return Err(SheetError::too_large(
                Limit::Cells,
                limits,
                format!(
                    "the sheet has more than {} non-empty cells",
                    grouped(limits.max_cells)
                ),
            ));
        }
        self.text_bytes = self.text_bytes.saturating_add(text_len(value));
        if self.text_bytes > limits.max_text_bytes {
            return Err(SheetError::too_large(
                Limit::TextBytes,
                limits,
                format!(
                    "the cells up to {} hold more than {} bytes of text",
                    a1(row, col),
                    grouped(limits.max_text_bytes)
                ),
            ));
        }
        self.cells.push(((row, col), Data::from(value.clone())));
        Ok(())
    }

    /// Widens the bounding box to (row, col), refusing a used range over the cell limit.
    fn widen(&mut self, row: u32, col: u32) -> Result<(), SheetError> {
        let (r0, r1, c0, c1) = match self.bounds {
            None => (row, row, col, col),
            Some((r0, r1, c0, c1)) => (r0.min(row), r1.max(row), c0.min(col), c1.max(col)),
        };
        let area = (u64::from(r1 - r0) + 1) * (u64::from(c1 - c0) + 1);
        if area > self.limits.max_cells {
            return Err(SheetError::too_large(
                Limit::Cells,
                self.limits,
                format!(
                    "the used range {}:{} spans {} cells",
                    a1(r0, c0),
                    a1(r1, c1),
                    grouped(area)
                ),
            ));
        }
        self.bounds = Some((r0, r1, c0, c1));
        Ok(())
    }

    fn into_grid(self) -> Grid {
        let Some((r0, r1, c0, c1)) = self.bounds else {
            return Grid::default();
        };
        let width = (c1 - c0) as usize + 1;
        let height = (r1 - r0) as usize + 1;
        // Within max_cells: checked by `widen` for every cell.
        let mut dense = vec![Data::Empty; width * height];
        for ((row, col), value) in self.cells {
            // A later cell at the same place wins, as in calamine's range.
            dense[(row - r0) as usize * width + (col - c0) as usize] = value;
        }
        Grid::new((r0, c0), width, dense)
    }
}

/// The bytes of text a cell will own once copied out of the workbook.
fn text_len(value: &DataRef<'_>) -> u64 {
    match value {
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.len() as u64,
        DataRef::SharedString(s) => s.len() as u64,
        _ => 0,
    }
}
