package sitekit

import (
	"fmt"
	"regexp"
	"strings"
)

// packageScheme prefixes every Site-Kit package reference.
const packageScheme = "sitekit://"

var (
	// packageName is a lower-case slug, like container image and npm names.
	packageName = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)
	// semver is the official Semantic Versioning 2.0.0 grammar.
	semver = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)` +
		`(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?` +
		`(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)
)

// PackageRef is a parsed `sitekit://<name>@<semver>` reference.
type PackageRef struct {
	Name    string
	Version string
}

// String renders the reference in its canonical form.
func (p PackageRef) String() string {
	return packageScheme + p.Name + "@" + p.Version
}

// ParsePackageRef parses a package reference, so CMP's listing checks and
// the runtime reject the same references for the same reasons.
func ParsePackageRef(ref string) (PackageRef, error) {
	rest, ok := strings.CutPrefix(ref, packageScheme)
	if !ok {
		return PackageRef{}, fmt.Errorf("package reference must start with %q", packageScheme)
	}
	name, version, ok := strings.Cut(rest, "@")
	if !ok {
		return PackageRef{}, fmt.Errorf("package reference must be %s<name>@<version>", packageScheme)
	}
	if len(name) > 64 || !packageName.MatchString(name) {
		return PackageRef{}, fmt.Errorf("package name %q must be 1-64 lower-case letters, digits and single hyphens", name)
	}
	if !semver.MatchString(version) {
		return PackageRef{}, fmt.Errorf("package version %q is not a semantic version like 1.2.0", version)
	}
	return PackageRef{Name: name, Version: version}, nil
}

// validatePackage is the runtime's verdict on a reference. The reference
// runtime serves the same knowledge agent for every well-formed package, so
// well-formed is deployable.
func validatePackage(ref string) Validation {
	if _, err := ParsePackageRef(ref); err != nil {
		return Validation{Valid: false, Reason: err.Error()}
	}
	return Validation{Valid: true}
}
