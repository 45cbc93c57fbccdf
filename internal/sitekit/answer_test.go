package sitekit

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAnswer_BestQAWinsAboveThreshold(t *testing.T) {
	ix := buildIndex(Knowledge{QA: []QAPair{
		{ID: "refund", Question: "What is your refund policy?", Answer: "30 days."},
		{ID: "refund-eu", Question: "What is your refund policy for EU customers?", Answer: "14 days, by law."},
		{ID: "hours", Question: "When is support open?", Answer: "9 to 5."},
	}})
	require.Equal(t, match{source: SourceQA, text: "30 days.", id: "refund"}, ix.find("Refund policy?"))
	require.Equal(t, "refund-eu", ix.find("refund policy for customers in the EU").id)
	require.Equal(t, "hours", ix.find("is support open on weekends").id)
	require.Equal(t, SourceFallback, ix.find("pricing").source)
	require.Equal(t, SourceFallback, ix.find("?!").source)
}

func TestAnswer_FallsBackToDocumentParagraph(t *testing.T) {
	ix := buildIndex(Knowledge{
		QA:        []QAPair{{ID: "q", Question: "Do you ship to Canada?", Answer: "Yes."}},
		Documents: []Document{{ID: "manual", Text: "Setup\n\nPlug the router into power and wait for the green light.\n\nWarranty lasts two years."}},
	})
	m := ix.find("how long is the warranty")
	require.Equal(t, match{source: SourceDocument, text: "Warranty lasts two years.", id: "manual"}, m)
}

func TestAnswer_GreetingAndFallbackSpeakAsPersona(t *testing.T) {
	ix := buildIndex(Knowledge{Topics: []string{"billing"}})
	require.Equal(t, SourceGreeting, ix.find("Hello there!").source)
	require.Equal(t, "Hi, I'm Ava. How can I help you today?", speak(match{source: SourceGreeting}, "Ava", "", nil))
	require.Equal(t, "Welcome!", speak(match{source: SourceGreeting}, "Ava", "Welcome!", nil))
	require.Contains(t, speak(match{source: SourceFallback}, "Ava", "", ix.topics), "I can help with: billing.")
}

func TestTokenize_NormalisesCaseStopwordsAndPlurals(t *testing.T) {
	require.Equal(t, []string{"refund", "policy", "eu", "2024"}, tokenize("What are the REFUNDS policies (EU, 2024)?"))
}

func TestParsePackageRef(t *testing.T) {
	ref, err := ParsePackageRef("sitekit://support-agent@1.2.0")
	require.NoError(t, err)
	require.Equal(t, PackageRef{Name: "support-agent", Version: "1.2.0"}, ref)
	require.Equal(t, "sitekit://support-agent@1.2.0", ref.String())
	for _, bad := range []string{"sitekit://-x@1.0.0", "sitekit://a--b@1.0.0", "sitekit://a@01.0.0", "sitekit://a@1.0.0@2", "https://a@1.0.0"} {
		_, err := ParsePackageRef(bad)
		require.Error(t, err, bad)
	}
}
