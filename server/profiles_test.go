package server

import (
	"context"
	"slices"
	"testing"

	"github.com/gqlbff/gqlbff/caller"
)

func TestProfilesResolvedOnce(t *testing.T) {
	cfg := Default().Profiles
	cfg.Default = ProfileMobile
	cfg.Web.MaxCost, cfg.Web.Budget.Capacity, cfg.Web.Budget.RestoreRate = 5000, 1000, 10
	cfg.Mobile.CostMode = CostMeasure
	cfg.Partner.MaxPage = 7
	ps := resolveProfiles(cfg)

	var names []string
	for p := range ps.all() {
		names = append(names, p.name)
	}
	if !slices.Equal(names, []string{ProfileWeb, ProfileMobile, ProfilePartner}) {
		t.Errorf("all: got %v, want web, mobile, partner", names)
	}
	if got := ps.named(ProfileWeb).cost.max; got != 1000 {
		t.Errorf("web's cost limit: got %d, want the budget's capacity, 1000, under maxCost 5000", got)
	}
	if !ps.named(ProfileMobile).cost.measure || ps.named(ProfileWeb).cost.measure {
		t.Error("cost mode: want mobile measuring and web enforcing")
	}
	if got := ps.named(ProfilePartner).maxPage; got != 7 {
		t.Errorf("partner's maxPage: got %d, want 7", got)
	}
	if got := ps.named(ProfilePartner).persisted; got != ModeRequireID {
		t.Errorf("partner's persisted mode: got %q, want %q", got, ModeRequireID)
	}
	if p := ps.of(context.Background()); p != ps.named(ProfileMobile) {
		t.Errorf("no caller: got %s's policy, want the default, mobile", p.name)
	}
	if p := ps.of(caller.With(context.Background(), caller.Caller{Client: ProfilePartner})); p.name != ProfilePartner {
		t.Errorf("a partner caller: got %s's policy", p.name)
	}
	if ps.known("admin") || ps.named("admin") != ps.fallback {
		t.Error("an unknown name: want it unknown, with the default's policy")
	}
}
