# Örebro 2025 (rulebooks/orebro/2025.kok) written by hand in Rego, for the
# benchmark of issue 5. The same checks, the same three-valued outcomes and the
# same decision kind as kokdsl; tests/test_bench_agreement.py holds them equal.
#
# Input: one self-report as bench/rego.py derives it from kokdsl's parsed facts.
# Every declared fact is present; a missing or invalid fact (or record field)
# is null, and null is the third truth value: "cannot be assessed". Schedules
# are lists of [start, end) week-minute intervals, sorted and merged (minute 0
# is Monday 00:00); sets are lists; decimals and percents are numbers
# (25 % is 0.25).
package kok.orebro2025

import rego.v1

fact(key) := object.get(input, key, null)

# -- three-valued helpers ----------------------------------------------------------

and3(a, b) := false if {
	a == false
} else := false if {
	b == false
} else := null if {
	a == null
} else := null if {
	b == null
} else := true

# alla: a false element decides, else an unknown one makes it unknown.
all3(values) := false if {
	some v in values
	v == false
} else := null if {
	some v in values
	v == null
} else := true

not3(a) := null if {
	a == null
} else := false if {
	a == true
} else := true

# a >= b, unknown when either side is.
at_least(a, b) := null if {
	a == null
} else := null if {
	b == null
} else := true if {
	a >= b
} else := false

# Names typed by people compare without regard to case. rego-cpp's lower() only
# folds ASCII, so the Swedish capitals are folded first.
fold(s) := lower(replace(replace(replace(s, "Å", "å"), "Ä", "ä"), "Ö", "ö"))

same_text(a, b) := null if {
	a == null
} else := null if {
	b == null
} else := fold(a) == fold(b)

outcome(v) := "met" if {
	v == true
} else := "not_met" if {
	v == false
} else := "cannot_assess"

# gäller om: not applicable when the condition is false; when it is unknown, a
# met check is met either way and anything else cannot be assessed.
conditional(applies, v) := "not_applicable" if {
	applies == false
} else := "met" if {
	applies == null
	v == true
} else := "cannot_assess" if {
	applies == null
} else := outcome(v)

# -- schedules ----------------------------------------------------------------------

# Intervals are merged and non-adjacent, so a covered interval lies inside one.
covers(outer, inner) := null if {
	outer == null
} else := null if {
	inner == null
} else := true if {
	every iv in inner {
		some ov in outer
		ov[0] <= iv[0]
		iv[1] <= ov[1]
	}
} else := false

# -- the checks ------------------------------------------------------------------------

# 1.1 Specialist i allmänmedicin under hela öppettiden
c_1_1 := covers(fact("specialist_allmänmedicin"), fact("öppettider"))

# 2.1 Öppettider: 40 h under 6 500 listade, else 45 h
opening_minutes := null if {
	fact("öppettider") == null
} else := sum([d | some iv in fact("öppettider"); d := iv[1] - iv[0]])

c_2_1 := null if {
	opening_minutes == null
} else := opening_minutes >= 2400 if {
	# listade unknown: decided when both thresholds agree
	fact("listade") == null
	(opening_minutes >= 2400) == (opening_minutes >= 2700)
} else := null if {
	fact("listade") == null
} else := opening_minutes >= 2400 if {
	fact("listade") < 6500
} else := opening_minutes >= 2700

# 2.1.4 Jouråtagande: opening hours and on-call together cover the whole week,
# that is, every gap in the opening hours lies inside the on-call hours.
c_2_1_4 := null if {
	fact("öppettider") == null
} else := covers(fact("jour"), opening_gaps)

opening_gaps := [[0, 10080]] if {
	count(fact("öppettider")) == 0
} else := array.concat(array.concat(gap_before_first, gaps_between), gap_after_last)

gap_before_first := [[0, fact("öppettider")[0][0]]] if {
	fact("öppettider")[0][0] > 0
} else := []

gaps_between := [[fact("öppettider")[i][1], fact("öppettider")[i + 1][0]] |
	some i in numbers.range(0, count(fact("öppettider")) - 1)
	i < count(fact("öppettider")) - 1
]

gap_after_last := [[last[1], 10080]] if {
	last := fact("öppettider")[count(fact("öppettider")) - 1]
	last[1] < 10080
} else := []

# 3.1 Vårdsamordnare: at least one with a name
c_3_1 := null if {
	fact("vårdsamordnare") == null
} else := true if {
	some c in fact("vårdsamordnare")
	c.namn != null
	c.namn != ""
} else := null if {
	some c in fact("vårdsamordnare")
	c.namn == null
} else := false

# 3.1.1 Vårdsamordnarens utbildning
c_3_1_1 := null if {
	fact("vårdsamordnare") == null
} else := all3([v | some c in fact("vårdsamordnare"); v := same_value(c.utbildning, "högskola")])

same_value(a, b) := null if {
	a == null
} else := a == b

# 6.3, 6.4, 6.4a, 6.4b and 6.4.1 apply to every centre that declares a branch.
declares_branch := null if {
	fact("filialer") == null
} else := count(fact("filialer")) > 0

# 6.3 A branch without the additional assignment filial
has_branch_assignment := null if {
	fact("tilläggsuppdrag") == null
} else := "filial" in fact("tilläggsuppdrag")

# 6.4 Filial: run by the same provider (vårdgivare) as the main centre
c_6_4 := null if {
	fact("filialer") == null
} else := all3([v |
	some f in fact("filialer")
	v := same_text(f["vårdgivare"], fact("vårdgivare"))
])

# 6.4a (example) Same verksamhetschef as the main centre
c_6_4a := null if {
	fact("filialer") == null
} else := all3([v |
	some f in fact("filialer")
	v := same_text(f.verksamhetschef, fact("verksamhetschef"))
])

# 6.4b (example) Approved by the region before it opens
c_6_4b := null if {
	fact("filialer") == null
} else := all3([v | some f in fact("filialer"); v := f["godkänd_av_regionen"]])

# 6.4.1 Ingen listning på filial
c_6_4_1 := null if {
	fact("filialer") == null
} else := all3([v | some f in fact("filialer"); v := not3(f.listning)])

# 8.1 Telefontillgänglighet: at least 90 % answered the same day (in integers: 10a >= 9c)
# rego-cpp 1.5.2 mistakes a function argument used as a key inside a
# comprehension for a free variable, so each sum is a rule of its own.
answered := null if {
	fact("telefonstatistik") == null
} else := null if {
	some m in fact("telefonstatistik")
	m.besvarade_samma_dag == null
} else := sum([v | some m in fact("telefonstatistik"); v := m.besvarade_samma_dag])

calls := null if {
	fact("telefonstatistik") == null
} else := null if {
	some m in fact("telefonstatistik")
	m.samtal == null
} else := sum([v | some m in fact("telefonstatistik"); v := m.samtal])

c_8_1 := null if {
	fact("telefonstatistik") == null
} else := and3(at_least(count(fact("telefonstatistik")), 1), enough_answered)

enough_answered := null if {
	answered == null
} else := null if {
	calls == null
} else := at_least(10 * answered, 9 * calls)

# 8.2 Besökstillgänglighet: at least 90 % within 3 days
c_8_2 := null if {
	fact("läkarbesök_inom_3_dagar") == null
} else := null if {
	fact("läkarbesök") == null
} else := at_least(10 * fact("läkarbesök_inom_3_dagar"), 9 * fact("läkarbesök"))

# -- outcomes and decision ------------------------------------------------------------------

outcomes := {
	"1.1": outcome(c_1_1),
	"2.1": outcome(c_2_1),
	"2.1.4": outcome(c_2_1_4),
	"3.1": outcome(c_3_1),
	"3.1.1": outcome(c_3_1_1),
	"3.2": outcome(fact("fast_vårdkontakt")),
	"3.2a": outcome(fact("fast_vårdkontakt")),
	"4.1": outcome(fact("e_tjänster_1177")),
	"4.2": outcome(fact("digital_utvecklingsplan")),
	"5.1": outcome(fact("presentation_enligt_mall")),
	"6.3": conditional(declares_branch, has_branch_assignment),
	"6.4": conditional(declares_branch, c_6_4),
	"6.4a": conditional(declares_branch, c_6_4a),
	"6.4b": conditional(declares_branch, c_6_4b),
	"6.4.1": conditional(declares_branch, c_6_4_1),
	"8.1": outcome(c_8_1),
	"8.2": outcome(c_8_2),
}

# Only the in-force skall requirements decide; proposals (1.1, 3.1.1, 3.2a, 5.1)
# and illustrative requirements (4.1, 6.3, 6.4a, 6.4b, 6.4.1, 8.1, 8.2) never do.
skall := {"2.1", "2.1.4", "3.1", "4.2", "6.4"}

decision := "rejection" if {
	some id in skall
	outcomes[id] == "not_met"
} else := "supplement_request" if {
	some id in skall
	outcomes[id] == "cannot_assess"
} else := "approved"

result := {"outcomes": outcomes, "decision": decision}
