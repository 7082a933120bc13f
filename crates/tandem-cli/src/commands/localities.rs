//! `tandem localities`: the localities tandem knows.

use super::ListingArgs;
use crate::context::Context;
use crate::output::{Cell, Listing};
use anyhow::Result;

#[derive(clap::Args, Debug)]
pub struct LocalitiesArgs {
    #[command(flatten)]
    listing: ListingArgs,
    /// Only the programme's 16 localities.
    #[arg(long)]
    programme: bool,
}

pub fn run(ctx: &Context, args: LocalitiesArgs) -> Result<()> {
    let bundle = ctx.bundle();
    let mut l =
        Listing::new("Localities (GB/T 2260 codes; coordinates of the administrative seat)");
    l.column("id", "Id")
        .column("adcode", "Code")
        .column("name_zh", "中文名")
        .column("name_en", "Name")
        .column("province", "Province")
        .column("level", "Level")
        .column("role", "Role")
        .column("lat", "Lat")
        .column("lon", "Lon")
        .column("area_km2", "Area km²");
    for loc in &bundle.localities {
        let pair = bundle.programme.pair_of(&loc.id);
        if args.programme && pair.is_none() {
            continue;
        }
        let role = match pair {
            Some(p) if p.helper == loc.id => "helper",
            Some(_) => "helped",
            None => "",
        };
        l.rows.push(vec![
            Cell::text(&loc.id),
            loc.adcode
                .map_or(Cell::Missing, |c| Cell::Integer(c.into())),
            Cell::text(&loc.name_zh),
            Cell::text(&loc.name_en),
            Cell::text(loc.province.name_en()),
            Cell::text(loc.level.as_str()),
            Cell::text(role),
            Cell::opt_number(loc.lat, 4),
            Cell::opt_number(loc.lon, 4),
            Cell::opt_number(loc.area_km2, 1),
        ]);
    }
    l.write(args.listing.format, args.listing.out.as_deref())
}
