package models

import (
	"slices"
	"testing"
)

func TestSearchWords_SplitsLowercasesAndDropsStopWordsAndPunctuation(t *testing.T) {
	got := SearchWords(`The "Support" agent -- for e-mail & CRM's * OR 24/7`)
	want := []string{"support", "agent", "e", "mail", "crm", "s", "24", "7"}
	if !slices.Equal(got, want[:6]) {
		t.Fatalf("got %v, want the first %d of %v (at most %d words)", got, maxSearchWords, want, maxSearchWords)
	}
}

func TestEditDistance_CountsTranspositionsAsOneAndGivesUpAtMax(t *testing.T) {
	for _, c := range []struct {
		a, b string
		max  int
		want int
	}{
		{"chatbto", "chatbot", 3, 1},
		{"zephir", "zephyr", 3, 1},
		{"analitycs", "analytics", 3, 2},
		{"support", "support", 3, 0},
		{"zephir", "24/7", 3, 3},
		{"abc", "xyz", 2, 2},
	} {
		if got := editDistance(c.a, c.b, c.max); got != c.want {
			t.Errorf("editDistance(%q, %q, %d) = %d, want %d", c.a, c.b, c.max, got, c.want)
		}
	}
}

func TestCursor_RoundTripsAndRefusesAnotherSearch(t *testing.T) {
	q := SearchQuery{Text: "support", Sort: SortRating}
	keys := sortKeys(q.Sort, matcher{words: SearchWords(q.Text)})
	c := Cursor{Sort: q.Sort, Query: q.Fingerprint(), Values: []any{4.5, int64(12), "off_x"}}
	back, err := DecodeCursor(c.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if err := checkCursor(back, q, keys); err != nil {
		t.Fatalf("own cursor refused: %v", err)
	}
	other := q
	other.Text = "sales"
	if checkCursor(back, other, keys) == nil {
		t.Fatal("a cursor of another query was accepted")
	}
	back.Values[0] = "not a number"
	if checkCursor(back, q, keys) == nil {
		t.Fatal("a cursor with a mistyped key was accepted")
	}
	if _, err := DecodeCursor("!!"); err == nil {
		t.Fatal("garbage decoded")
	}
}
