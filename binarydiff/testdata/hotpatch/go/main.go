// Command shop is the Go half of the hotpatchability ground truth: built
// once as is and once per edit, with fee.go replaced by fee.go.edit (the
// body of one function changed and nothing else), fee.go.global (a new
// global) or fee.go.str (a new string), owner.go by owner.go.edit (a global string's initial value
// changed), or account.go by account.go.swap or account.go.grow (the
// fields of a type whose objects live on the heap swapped, or one more).
//
// It imports errors, not fmt or os: a cold test run then compiles only
// the runtime's share of the windows/amd64 standard library for it (see
// ../../realbin/v1.go).
package main

import "errors"

//go:noinline
func withdraw(a *account, amount int) error {
	if amount > a.balance {
		return errors.New(a.owner + ": insufficient funds")
	}
	a.balance -= amount + fee(amount)
	return nil
}

// last keeps the account: it lives on the heap, where the runtime knows
// its type by its descriptor.
var last *account

func main() {
	a := &account{owner: owner, balance: 100}
	last = a
	if err := withdraw(a, len(owner)*10); err != nil {
		println(err.Error())
		return
	}
	println(a.owner, a.balance)
}
