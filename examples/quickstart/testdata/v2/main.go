// Version 2: withdraw rejects negative amounts (the "security fix"), fee
// is unchanged, and audit is new.
//
// It prints with println and imports nothing, not even fmt or os: the
// first build for windows/amd64 then compiles only the runtime (about 6 s
// of CPU, against 11 s with fmt and os), in the quickstart and in its test.
package main

// owner stands for the program's input (a variable, so that main's calls
// are not folded away).
var owner = "ada"

type account struct {
	owner   string
	balance int
}

//go:noinline
func deposit(a *account, amount int) {
	a.balance += amount
}

//go:noinline
func withdraw(a *account, amount int) bool {
	if amount < 0 || amount > a.balance {
		return false
	}
	a.balance -= amount
	audit(a, amount)
	return true
}

//go:noinline
func audit(a *account, amount int) {
	println("withdrawal", a.owner, amount)
}

//go:noinline
func fee(amount int) int { return amount / 100 }

func main() {
	a := &account{owner: owner}
	deposit(a, 500)
	if !withdraw(a, 200+fee(200)) {
		println("declined")
	}
	println(a.owner, a.balance)
}
