// Package platform is the domain of Red Cloud CORE: accounts, API clients,
// numbers, messages, events and deliveries, with the validation rules, payload
// fingerprints, identifiers and error codes. It imports no database and no HTTP.
package platform
