package models

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// matcher turns search words into the engine's full-text expressions: an FTS5
// MATCH on SQLite (the offerings_fts table, kept by triggers), a tsquery against
// the weighted offerings.search_vector on PostgreSQL (GIN index, kept by a trigger).
type matcher struct {
	words    []string
	postgres bool
}

func (s *Store) matcher(words []string) matcher {
	return matcher{words: words, postgres: s.DB.Dialector.Name() == "postgres"}
}

// filter keeps offerings where every word is a prefix of some indexed word.
func (m matcher) filter(db *gorm.DB) *gorm.DB {
	if len(m.words) == 0 {
		return db
	}
	if m.postgres {
		parts := make([]string, len(m.words))
		for i, w := range m.words {
			parts[i] = w + ":*"
		}
		return db.Where("offerings.search_vector @@ ?::tsquery", strings.Join(parts, " & "))
	}
	parts := make([]string, len(m.words))
	for i, w := range m.words {
		parts[i] = `"` + w + `"*`
	}
	return db.Where("offerings.id IN (SELECT offering_id FROM offerings_fts WHERE offerings_fts MATCH ?)", strings.Join(parts, " AND "))
}

// score is the relevance of an offering: for every word, the weights of the
// fields it appears in. It depends only on the offering itself (unlike BM25,
// which moves with corpus statistics), so relevance pages stay stable while
// offerings are added.
func (m matcher) score() (string, []any) {
	if len(m.words) == 0 {
		return "0", nil
	}
	type field struct {
		weight        int
		sqlite, label string
	}
	fields := []field{
		{weightName, "{name}", "A"},
		{weightSummaryTags, "{summary tags}", "B"},
		{weightFeatures, "{features}", "C"},
		{weightDescription, "{description provider}", "D"},
	}
	var terms []string
	var vars []any
	for _, w := range m.words {
		for _, f := range fields {
			if m.postgres {
				terms = append(terms, fmt.Sprintf("(CASE WHEN offerings.search_vector @@ ?::tsquery THEN %d ELSE 0 END)", f.weight))
				vars = append(vars, w+":*"+f.label)
			} else {
				terms = append(terms, fmt.Sprintf("(CASE WHEN offerings.id IN (SELECT offering_id FROM offerings_fts WHERE offerings_fts MATCH ?) THEN %d ELSE 0 END)", f.weight))
				vars = append(vars, f.sqlite+` : "`+w+`"*`)
			}
		}
	}
	return "(" + strings.Join(terms, " + ") + ")", vars
}

// correctWords replaces each word that prefixes no indexed word with the nearest
// indexed word (edit distance 1, or 2 for words of six letters or more) among the
// indexed words sharing its first two letters: typos are rarely there, and it
// bounds the vocabulary read (ts_stat must read every matching document).
func (s *Store) correctWords(ctx context.Context, words []string) ([]string, bool, error) {
	out := make([]string, len(words))
	changed := false
	for i, w := range words {
		out[i] = w
		if len([]rune(w)) < 3 {
			continue
		}
		// Most empty results come from filters, not typos: a cheap index probe
		// spares reading the vocabulary for words that are indexed.
		if ok, err := s.wordIndexed(ctx, w); err != nil || ok {
			if err != nil {
				return nil, false, err
			}
			continue
		}
		vocab, err := s.vocabulary(ctx, string([]rune(w)[:2]))
		if err != nil {
			return nil, false, err
		}
		limit := 1
		if len(w) >= 6 {
			limit = 2
		}
		best, bestD := "", limit+1
		for _, t := range vocab {
			if d := editDistance(w, t, limit+1); d <= limit && (d < bestD || (d == bestD && t < best)) {
				best, bestD = t, d
			}
		}
		if best != "" {
			out[i], changed = best, true
		}
	}
	return out, changed, nil
}

// wordIndexed reports whether w prefixes a word of any offering's index entry.
func (s *Store) wordIndexed(ctx context.Context, w string) (bool, error) {
	var ok bool
	q := `SELECT EXISTS (SELECT 1 FROM offerings_fts WHERE offerings_fts MATCH ?)`
	arg := `"` + w + `"*`
	if s.DB.Dialector.Name() == "postgres" {
		q, arg = `SELECT EXISTS (SELECT 1 FROM offerings WHERE search_vector @@ ?::tsquery)`, w+":*"
	}
	err := s.WithContext(ctx).Raw(q, arg).Scan(&ok).Error
	return ok, err
}

// vocabulary lists the indexed words starting with prefix (letters and digits only).
func (s *Store) vocabulary(ctx context.Context, prefix string) ([]string, error) {
	var vocab []string
	db := s.WithContext(ctx)
	var err error
	if s.DB.Dialector.Name() == "postgres" {
		inner := "SELECT search_vector FROM offerings WHERE state = 'active' AND search_vector @@ '" + prefix + ":*'::tsquery"
		err = db.Raw("SELECT word FROM ts_stat(?) WHERE word LIKE ?", inner, prefix+"%").Scan(&vocab).Error
	} else {
		err = db.Raw("SELECT term FROM offerings_fts_vocab WHERE term >= ? AND term < ?", prefix, prefix+"\uffff").Scan(&vocab).Error
	}
	return vocab, err
}

// editDistance is the optimal-string-alignment distance between a and b, giving
// up (returning max) once it cannot be below max.
func editDistance(a, b string, max int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d >= max || -d >= max {
		return max
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			rowMin = min(rowMin, cur[j])
		}
		if rowMin >= max {
			return max
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(rb)], max)
}
