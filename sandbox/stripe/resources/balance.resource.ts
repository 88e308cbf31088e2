/** Balance, balance transactions (filter by payout, source, type, currency, created) and payouts. */
import type { Route } from '../stripe.context';
import { StripeApiError } from '../stripe.errors';
import { balance, refreshAvailability } from '../ledger';
import { createdFilter, listParams } from './common';

export const balanceRoutes: Route[] = [
  { method: 'GET', path: '/v1/balance', handler: (ctx) => balance(ctx) },
  {
    method: 'GET',
    path: '/v1/balance_transactions',
    handler: (ctx, { params: p }) => {
      refreshAvailability(ctx);
      if (p.payout) {
        const po = ctx.store.find(p.payout, 'payout', 'payout');
        if (!po.automatic)
          throw StripeApiError.invalid(
            'Balance transactions can only be filtered by automatic payouts.',
            'payout',
          );
      }
      return ctx.store.list(
        'balance_transaction',
        '/v1/balance_transactions',
        listParams(p),
        (t) =>
          (!p.source || t.source === p.source) &&
          (!p.type || t.type === p.type) &&
          (!p.currency || t.currency === String(p.currency).toLowerCase()) &&
          createdFilter(p.created)(t),
        p.payout ? { field: '__payout', value: p.payout } : undefined,
      );
    },
  },
  {
    method: 'GET',
    path: '/v1/balance_transactions/{id}',
    handler: (ctx, { pathParams }) => {
      refreshAvailability(ctx);
      return ctx.store.find(pathParams.id, 'balance_transaction', 'id');
    },
  },
  {
    method: 'GET',
    path: '/v1/payouts',
    handler: (ctx, { params: p }) =>
      ctx.store.list(
        'payout',
        '/v1/payouts',
        listParams(p),
        (po) =>
          (!p.status || po.status === p.status) &&
          createdFilter(p.created)(po) &&
          createdFilter(p.arrival_date, 'arrival_date')(po),
      ),
  },
  {
    method: 'GET',
    path: '/v1/payouts/{payout}',
    handler: (ctx, { pathParams }) => ctx.store.find(pathParams.payout, 'payout', 'payout'),
  },
];
