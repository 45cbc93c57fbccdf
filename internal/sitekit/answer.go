package sitekit

import (
	"strings"
	"unicode"
)

// Retrieval thresholds, tuned so a rephrased question ("how do refunds
// work?" for "what is your refund policy?") still finds its answer while an
// unrelated one falls through to documents and then to the fallback.
const (
	qaThreshold       = 0.4 // Dice coefficient of question tokens
	paragraphMinCover = 0.5 // share of the question's tokens a paragraph must contain
	maxParagraphRunes = 800
)

// Answer sources, reported in the ask tool's structured output.
const (
	SourceQA       = "qa"
	SourceDocument = "document"
	SourceGreeting = "greeting"
	SourceFallback = "fallback"
)

// stopwords carry no meaning for matching.
var stopwords = toSet(strings.Fields(`a an and are as at be by can could do does for from
	how i in is it me my of on or our please should tell that the this to us was we what
	when where which who why will with would you your`))

// greetingWords make a message a greeting when it holds nothing else.
var greetingWords = toSet(strings.Fields(`hi hello hey hiya howdy greetings hola morning
	afternoon evening good there`))

// knowledgeIndex is a deployment's knowledge, tokenised once per PUT.
type knowledgeIndex struct {
	qa     []indexedQA
	paras  []indexedParagraph
	topics []string
}

type indexedQA struct {
	pair   QAPair
	tokens map[string]struct{}
}

type indexedParagraph struct {
	docID  string
	text   string
	tokens map[string]struct{}
}

// match is what retrieval found, before the persona frames it.
type match struct {
	source string
	text   string
	id     string // Q&A or document ID
}

func buildIndex(k Knowledge) *knowledgeIndex {
	ix := &knowledgeIndex{topics: k.Topics}
	for _, qa := range k.QA {
		ix.qa = append(ix.qa, indexedQA{pair: qa, tokens: toSet(tokenize(qa.Question))})
	}
	for _, doc := range k.Documents {
		for _, p := range paragraphs(doc.Text) {
			if toks := toSet(tokenize(p)); len(toks) > 0 {
				ix.paras = append(ix.paras, indexedParagraph{docID: doc.ID, text: p, tokens: toks})
			}
		}
	}
	return ix
}

// find answers a question: the best Q&A pair above the threshold, else the
// paragraph covering most of the question, else nothing (source fallback).
func (ix *knowledgeIndex) find(question string) match {
	if isGreeting(question) {
		return match{source: SourceGreeting}
	}
	query := toSet(tokenize(question))
	if len(query) == 0 {
		return match{source: SourceFallback}
	}
	best, bestScore := -1, 0.0
	for i, qa := range ix.qa {
		if s := dice(query, qa.tokens); s > bestScore {
			best, bestScore = i, s
		}
	}
	if best >= 0 && bestScore >= qaThreshold {
		qa := ix.qa[best].pair
		return match{source: SourceQA, text: qa.Answer, id: qa.ID}
	}
	best, bestScore = -1, 0.0
	for i, p := range ix.paras {
		if s := float64(overlap(query, p.tokens)) / float64(len(query)); s > bestScore {
			best, bestScore = i, s
		}
	}
	if best >= 0 && bestScore >= paragraphMinCover {
		p := ix.paras[best]
		return match{source: SourceDocument, text: truncateRunes(p.text, maxParagraphRunes), id: p.docID}
	}
	return match{source: SourceFallback}
}

// speak frames a match in the persona's voice.
func speak(m match, name, greeting string, topics []string) string {
	switch m.source {
	case SourceQA, SourceDocument:
		return m.text
	case SourceGreeting:
		if strings.TrimSpace(greeting) != "" {
			return greeting
		}
		return "Hi, I'm " + name + ". How can I help you today?"
	}
	reply := "I'm sorry, I don't have an answer to that yet. Could you rephrase it, or ask me something else?"
	if len(topics) > 0 {
		reply += " I can help with: " + strings.Join(topics, ", ") + "."
	}
	return reply
}

// tokenize lower-cases, splits on anything but letters and digits, drops
// stopwords and strips plurals, so "Refunds?" and "refund" match.
func tokenize(s string) []string {
	fields := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	out := fields[:0]
	for _, f := range fields {
		if _, stop := stopwords[f]; stop || (len(f) < 2 && !unicode.IsDigit(rune(f[0]))) {
			continue
		}
		out = append(out, stem(f))
	}
	return out
}

func stem(w string) string {
	switch {
	case len(w) > 4 && strings.HasSuffix(w, "ies"):
		return w[:len(w)-3] + "y"
	case len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss"):
		return w[:len(w)-1]
	}
	return w
}

func isGreeting(s string) bool {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) })
	if len(words) == 0 || len(words) > 4 {
		return false
	}
	for _, w := range words {
		if _, ok := greetingWords[w]; !ok {
			return false
		}
	}
	return true
}

// paragraphs splits on blank lines, or on lines when there are none.
func paragraphs(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	parts := strings.Split(text, "\n\n")
	if len(parts) == 1 {
		parts = strings.Split(text, "\n")
	}
	var out []string
	for _, p := range parts {
		if p = strings.Join(strings.Fields(p), " "); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func dice(a, b map[string]struct{}) float64 {
	if len(a)+len(b) == 0 {
		return 0
	}
	return 2 * float64(overlap(a, b)) / float64(len(a)+len(b))
}

func overlap(a, b map[string]struct{}) int {
	n := 0
	for t := range a {
		if _, ok := b[t]; ok {
			n++
		}
	}
	return n
}

func toSet(words []string) map[string]struct{} {
	set := make(map[string]struct{}, len(words))
	for _, w := range words {
		set[w] = struct{}{}
	}
	return set
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n])) + "…"
}
