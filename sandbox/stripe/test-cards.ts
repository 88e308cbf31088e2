/**
 * Stripe's documented test payment methods: card numbers, `pm_card_*` and `tok_*` shortcuts,
 * and us_bank_account test account numbers, with the outcome each one produces.
 */
export type CardOutcome =
  | { kind: 'succeed' }
  | { kind: 'dispute' }
  /** 3DS needed unless the card was set up for off-session use (4000002500003155) */
  | { kind: 'auth_unless_setup' }
  /** 3DS always needed (4000002760003184, 4000000000003220) */
  | { kind: 'auth_always' }
  /** attaching works, charging declines (4000000000000341) */
  | { kind: 'attach_ok_charge_fails'; code: string; decline_code: string; message: string }
  | { kind: 'decline'; code: string; decline_code?: string; message: string };

export interface TestCard {
  number: string;
  brand: string;
  funding: string;
  outcome: CardOutcome;
}

const declined = (decline_code: string, message = 'Your card was declined.'): CardOutcome => ({
  kind: 'decline',
  code: 'card_declined',
  decline_code,
  message,
});

export const TEST_CARDS: Record<string, TestCard> = {};
function card(number: string, brand: string, outcome: CardOutcome, funding = 'credit') {
  TEST_CARDS[number] = { number, brand, funding, outcome };
}
card('4242424242424242', 'visa', { kind: 'succeed' });
card('4000056655665556', 'visa', { kind: 'succeed' }, 'debit');
card('5555555555554444', 'mastercard', { kind: 'succeed' });
card('378282246310005', 'amex', { kind: 'succeed' });
card('6011111111111117', 'discover', { kind: 'succeed' });
card('4000000000000002', 'visa', declined('generic_decline'));
card('4000000000009995', 'visa', declined('insufficient_funds', 'Your card has insufficient funds.'));
card('4000000000009987', 'visa', declined('lost_card'));
card('4000000000009979', 'visa', declined('stolen_card'));
card('4100000000000019', 'visa', declined('fraudulent'));
card('4000000000000069', 'visa', {
  kind: 'decline',
  code: 'expired_card',
  decline_code: 'expired_card',
  message: 'Your card has expired.',
});
card('4000000000000127', 'visa', {
  kind: 'decline',
  code: 'incorrect_cvc',
  decline_code: 'incorrect_cvc',
  message: "Your card's security code is incorrect.",
});
card('4000000000000119', 'visa', {
  kind: 'decline',
  code: 'processing_error',
  decline_code: 'processing_error',
  message: 'An error occurred while processing your card. Try again in a little bit.',
});
card('4000000000000341', 'visa', {
  kind: 'attach_ok_charge_fails',
  code: 'card_declined',
  decline_code: 'generic_decline',
  message: 'Your card was declined.',
});
card('4000000000000259', 'visa', { kind: 'dispute' });
card('4000002500003155', 'visa', { kind: 'auth_unless_setup' });
card('4000002760003184', 'visa', { kind: 'auth_always' });
card('4000000000003220', 'visa', { kind: 'auth_always' });

/** `pm_card_*` / `tok_*` shortcut names → card numbers */
const SHORTCUTS: Record<string, string> = {
  visa: '4242424242424242',
  visa_debit: '4000056655665556',
  mastercard: '5555555555554444',
  amex: '378282246310005',
  discover: '6011111111111117',
  chargeDeclined: '4000000000000002',
  chargeDeclinedInsufficientFunds: '4000000000009995',
  chargeDeclinedLostCard: '4000000000009987',
  chargeDeclinedStolenCard: '4000000000009979',
  chargeDeclinedFraudulent: '4100000000000019',
  chargeDeclinedExpiredCard: '4000000000000069',
  chargeDeclinedIncorrectCvc: '4000000000000127',
  chargeDeclinedProcessingError: '4000000000000119',
  chargeCustomerFail: '4000000000000341',
  createDispute: '4000000000000259',
  authenticationRequiredOnSetup: '4000002500003155',
  authenticationRequired: '4000002760003184',
  threeDSecure2Required: '4000000000003220',
};

/** `pm_card_visa` or `tok_visa` → card number, else undefined */
export function shortcutCard(id: string): string | undefined {
  const m = /^(?:pm_card_|tok_)(.+)$/.exec(id);
  return m ? SHORTCUTS[m[1]] : undefined;
}

/** Any other number that passes Luhn behaves like a plain successful visa. */
export function lookupCard(number: string): TestCard | undefined {
  const n = number.replace(/\s+/g, '');
  if (TEST_CARDS[n]) return TEST_CARDS[n];
  if (!/^\d{12,19}$/.test(n) || !luhn(n)) return undefined;
  return {
    number: n,
    brand: n.startsWith('4') ? 'visa' : n.startsWith('5') ? 'mastercard' : 'unknown',
    funding: 'credit',
    outcome: { kind: 'succeed' },
  };
}

function luhn(n: string): boolean {
  let sum = 0;
  for (let i = 0; i < n.length; i++) {
    let d = Number(n[n.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** us_bank_account test accounts (routing 110000000): outcome of an ACH debit. */
export const ACH_ACCOUNTS: Record<
  string,
  { outcome: 'succeed' | 'fail'; failure_code?: string; message?: string }
> = {
  '000123456789': { outcome: 'succeed' },
  '000111111113': {
    outcome: 'fail',
    failure_code: 'account_closed',
    message: "The customer's bank account has been closed.",
  },
  '000111111116': {
    outcome: 'fail',
    failure_code: 'no_account',
    message: "The customer's bank account could not be located.",
  },
  '000222222227': {
    outcome: 'fail',
    failure_code: 'insufficient_funds',
    message: "The customer's account has insufficient funds to cover this payment.",
  },
  '000333333335': {
    outcome: 'fail',
    failure_code: 'debit_not_authorized',
    message: 'The customer has notified their bank that this payment was unauthorized.',
  },
};
