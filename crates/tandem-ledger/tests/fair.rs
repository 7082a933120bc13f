//! Shapley and Nash on games computed by hand.

use tandem_ledger::fair::{log_nash_product, nash, shapley, to_basis_points, FairError, Game};

const THREE: &str = r#"
parties = ["A", "B", "C"]
coalitions = [
  { members = ["A"], value = 10 },
  { members = ["B"], value = 20 },
  { members = ["C"], value = 30 },
  { members = ["A", "C"], value = 60 },
  { members = ["B", "C"], value = 70 },
  { members = ["A", "B", "C"], value = 120 },
]
"#;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn shapley_of_a_three_party_game() {
    let g = Game::parse(THREE, "t", false).unwrap();
    // v(AB) is not listed: no synergy, v(AB) = 10 + 20 = 30.
    // phi_A = 1/3*10 + 1/6*(30-20) + 1/6*(60-30) + 1/3*(120-70) = 3.333+1.667+5+16.667 = 26.667
    // phi_B = 1/3*20 + 1/6*(30-10) + 1/6*(70-30) + 1/3*(120-60) = 6.667+3.333+6.667+20 = 36.667
    // phi_C = 1/3*30 + 1/6*(60-10) + 1/6*(70-20) + 1/3*(120-30) = 10+8.333+8.333+30 = 56.667
    let phi = shapley(&g);
    assert!(close(phi[0], 80.0 / 3.0), "{phi:?}");
    assert!(close(phi[1], 110.0 / 3.0), "{phi:?}");
    assert!(close(phi[2], 170.0 / 3.0), "{phi:?}");
    assert!(close(phi.iter().sum(), 120.0));
    // Nash with equal weights: surplus 120 - (10+20+30) = 60, 20 each: (30, 40, 50).
    let x = nash(&g).unwrap();
    assert!(
        close(x[0], 30.0) && close(x[1], 40.0) && close(x[2], 50.0),
        "{x:?}"
    );
    // It maximises the Nash product on the simplex: moving 1 between any two parties lowers it.
    let best = log_nash_product(&g, &x);
    for i in 0..3 {
        for j in 0..3 {
            if i != j {
                let mut y = x.clone();
                y[i] += 1.0;
                y[j] -= 1.0;
                assert!(log_nash_product(&g, &y) < best);
            }
        }
    }
    // 30/120 = 2500 bp, 40/120 = 3333.33, 50/120 = 4166.67 -> largest remainders: 4167, 3333.
    assert_eq!(to_basis_points(&g, &x).unwrap(), vec![2500, 3333, 4167]);
}

#[test]
fn two_party_nash_closed_form_and_weights() {
    let text = r#"
parties = ["helper", "helped"]
coalitions = [
  { members = ["helper"], value = 100 },
  { members = ["helped"], value = 50 },
  { members = ["helper", "helped"], value = 250 },
]
"#;
    let g = Game::parse(text, "t", false).unwrap();
    // x1 = (v(N) + d1 - d2) / 2 = (250 + 100 - 50) / 2 = 150; x2 = 100.
    let x = nash(&g).unwrap();
    assert!(close(x[0], 150.0) && close(x[1], 100.0), "{x:?}");
    // Two parties: Shapley = Nash with equal weights.
    let phi = shapley(&g);
    assert!(close(phi[0], 150.0) && close(phi[1], 100.0));
    // Weights 2:1: surplus 100 split 66.67 : 33.33.
    let g = Game::parse(&format!("{text}\n[weights]\nhelper = 2.0\n"), "t", false).unwrap();
    let x = nash(&g).unwrap();
    assert!(
        close(x[0], 100.0 + 200.0 / 3.0) && close(x[1], 50.0 + 100.0 / 3.0),
        "{x:?}"
    );
}

#[test]
fn bad_games_are_refused_with_the_field() {
    let missing = THREE.replace("{ members = [\"A\", \"B\", \"C\"], value = 120 },", "");
    let e = Game::parse(&missing, "t", false).unwrap_err();
    assert!(e.to_string().contains("grand coalition"), "{e}");
    let unknown = THREE.replace("[\"B\", \"C\"]", "[\"B\", \"Z\"]");
    let e = Game::parse(&unknown, "t", false).unwrap_err();
    assert!(
        e.to_string()
            .contains("coalitions[4].members: unknown party `Z`"),
        "{e}"
    );
    let poor = THREE.replace("value = 120", "value = 50");
    let g = Game::parse(&poor, "t", false).unwrap();
    assert!(matches!(nash(&g), Err(FairError::NoSurplus { .. })));
    let many: Vec<String> = (0..13).map(|i| format!("\"p{i}\"")).collect();
    let e = Game::parse(
        &format!("parties = [{}]\ncoalitions = []", many.join(",")),
        "t",
        false,
    )
    .unwrap_err();
    assert!(e.to_string().contains("at most 12"), "{e}");
}

#[test]
fn shapley_is_exact_for_twelve_parties() {
    let parties: Vec<String> = (0..12).map(|i| format!("\"p{i}\"")).collect();
    let mut text = format!("parties = [{}]\ncoalitions = [\n", parties.join(","));
    for i in 0..12 {
        text.push_str(&format!("{{ members = [\"p{i}\"], value = {} }},\n", i + 1));
    }
    text.push_str("{ members = [\"p0\", \"p1\"], value = 15 },\n");
    let all: Vec<String> = (0..12).map(|i| format!("\"p{i}\"")).collect();
    text.push_str(&format!(
        "{{ members = [{}], value = 90 }},\n]\n",
        all.join(",")
    ));
    let g = Game::parse(&text, "t", false).unwrap();
    // Coalitions not listed are additive, so v(S) = a(S) + 12*[S = {p0,p1}] + 12*[S = N]
    // with a(S) = sum of (i+1) (v({p0,p1}) = 15 = 1 + 2 + 12; v(N) = 90 = 78 + 12). Shapley is linear; for a game "c if S = T exactly":
    //   i in T gets (|T|-1)!(n-|T|)!/n! * c, i not in T gets -|T|!(n-|T|-1)!/n! * c.
    // T = N, c = 12: every party gets 11!/12! * 12 = 1.
    // T = {p0,p1}, c = 12: p0, p1 get 1!10!/12! * 12 = 12/132; the others
    // -2!9!/12! * 12 = -24/1320.
    let phi = shapley(&g);
    assert!(close(phi[0], 1.0 + 1.0 + 12.0 / 132.0), "{phi:?}");
    assert!(close(phi[1], 2.0 + 1.0 + 12.0 / 132.0), "{phi:?}");
    for (k, v) in phi.iter().enumerate().skip(2) {
        assert!(
            close(*v, (k + 1) as f64 + 1.0 - 24.0 / 1320.0),
            "{k}: {phi:?}"
        );
    }
    assert!(close(phi.iter().sum(), 90.0));
}
