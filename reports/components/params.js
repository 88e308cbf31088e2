// Filters start from the page URL's query string — the same names as the reports API
// (?from=YYYY-MM&to=YYYY-MM&currency=EUR&segment=smb) — so a dashboard link and an API call with
// the same parameters show the same numbers.
import { getInputContext } from '@evidence-dev/sdk/utils/svelte';

/**
 * Seeds the named inputs from the URL before the page's inputs are created (call at the top of
 * the page script). A Dropdown adopts a selection already in the inputs store, so the control
 * and the queries agree; a `defaultValue` would lose to the prerendered selection.
 */
export function inputsFromUrl(names) {
	if (typeof window === 'undefined') return; // prerendering: no query string
	const params = new URLSearchParams(window.location.search);
	const inputs = getInputContext();
	inputs.update(($inputs) => {
		for (const name of names) {
			const value = params.get(name);
			// Values land in page SQL: only plain tokens (months, codes, names) are taken.
			if (!value || !/^[A-Za-z0-9_-]{1,40}$/.test(value)) continue;
			const option = { value, label: value, selected: true, idx: -1, __auto: false };
			$inputs[name] = { value, label: value, rawValues: [option] };
		}
		return $inputs;
	});
}

/**
 * True while prerendering. Dropdowns get `noDefault={ssr}`: with nothing selected at build time the
 * filtered queries are not prerendered, so the browser runs them for the selection it starts with
 * (Evidence would otherwise show the prerendered default rows under a URL-chosen filter).
 */
export const ssr = typeof window === 'undefined';

/** Number format for major units of a currency with this many decimals. */
export function moneyFmt(exponent) {
	const e = Number(exponent ?? 2);
	return e > 0 ? `#,##0.${'0'.repeat(e)}` : '#,##0';
}
