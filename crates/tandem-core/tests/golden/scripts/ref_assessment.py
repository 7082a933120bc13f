"""Reference values for the assessment methods (tandem_core::metrics::assessment).

Cronbach's alpha: pingouin.cronbach_alpha(data, nan_policy="listwise", ci=0.95) on a seeded
synthetic survey of 5-point Likert items (a latent attitude plus item noise), with some
skipped answers. Ranks: scipy.stats.rankdata(-score, method="min").

Run: python ref_assessment.py  (pingouin 0.7.0, numpy, pandas, scipy)
Writes inputs/assessment_survey.csv and outputs/assessment_alpha.csv.
"""
import numpy as np
import pandas as pd
import pingouin as pg

rng = np.random.default_rng(20261204)
n, k = 60, 6
latent = rng.normal(0, 1, n)
answers = np.clip(np.rint(3 + latent[:, None] * 0.9 + rng.normal(0, 0.8, (n, k))), 1, 5)
survey = pd.DataFrame(answers, columns=[f"q{j + 1}" for j in range(k)])
# Seven skipped answers: their respondents are left out (listwise).
for r, c in [(3, 0), (11, 2), (11, 4), (20, 5), (33, 1), (47, 3), (58, 0)]:
    survey.iat[r, c] = np.nan
survey.to_csv("../inputs/assessment_survey.csv", index_label="respondent", float_format="%.0f")

from scipy.stats import f

rows = []
complete_survey = survey.dropna()
for name, data in [
    ("all_items", survey),
    ("first_three", survey.iloc[:, :3]),
    ("complete_only", complete_survey),
]:
    alpha, ci = pg.cronbach_alpha(data=data, nan_policy="listwise", ci=0.95)
    # Feldt's interval with the respondents actually used. pingouin takes n before dropping
    # incomplete rows (and rounds to 3 decimals), so it matches pingouin exactly only
    # without missing answers, which the "complete_only" row checks.
    used = data.dropna()
    nn, kk = used.shape
    df1, df2 = nn - 1, (nn - 1) * (kk - 1)
    lower = 1 - (1 - alpha) * f.isf(0.05 / 2, df1, df2)
    upper = 1 - (1 - alpha) * f.isf(1 - 0.05 / 2, df1, df2)
    if len(used) == len(data):
        assert np.allclose(np.round([lower, upper], 3), ci, atol=1e-12), (lower, upper, ci)
    rows.append(dict(scale=name, items=kk, respondents=nn, dropped=len(data) - nn, alpha=alpha,
                     ci_lower=lower, ci_upper=upper, pingouin_ci_lower=ci[0], pingouin_ci_upper=ci[1]))
pd.DataFrame(rows).to_csv("../outputs/assessment_alpha.csv", index=False, float_format="%.17g")
print(pd.DataFrame(rows))
