package main

import (
	"fmt"

	"github.com/gqlbff/gqlbff/server"
	"github.com/gqlbff/gqlbff/sources/demo"
)

// startDemo starts the demo services on loopback and points every source
// without a URL at them.
func startDemo(cfg *server.Config) (*demo.Services, error) {
	svcs, err := demo.Start(demo.Options{})
	if err != nil {
		return nil, fmt.Errorf("demo sources: %w", err)
	}
	for _, s := range []struct {
		url *string
		svc *demo.Service
	}{
		{&cfg.Sources.Orders.URL, svcs.Orders},
		{&cfg.Sources.Customers.URL, svcs.Customers},
		{&cfg.Sources.Analytics.URL, svcs.Analytics},
	} {
		if *s.url == "" {
			*s.url = s.svc.URL()
		}
	}
	return svcs, nil
}
