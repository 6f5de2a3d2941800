package platform

import "slices"

// DeliveryStates lists every delivery state.
var DeliveryStates = []string{DeliveryPending, DeliveryDelivered, DeliveryFailed, DeliveryNoEndpoint}

// ValidDeliveryState reports whether s is a delivery state.
func ValidDeliveryState(s string) bool { return slices.Contains(DeliveryStates, s) }
