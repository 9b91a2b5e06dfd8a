/**
 * Deterministic synthetic B2B leads for model 21 (Sales Lead Scoring).
 *
 * The original model's training data is not available, so leads are drawn from a plausible,
 * noisy generative story: an unobserved "interest" drives engagement and activity; demo requests
 * and confirmed budgets follow interest and seniority; conversion depends on all of them plus
 * timeline urgency, company size and industry, with noise the model cannot see. Free-text fields
 * (title, decision_timeline, some industries) come in the varied spellings a CRM really holds.
 * Same seed → same leads, byte for byte (own PRNG; no Math.random).
 */

// A type alias, not an interface, so that a Lead is a Record<string, unknown> like serving rows.
export type Lead = {
  company_size: number;
  industry: string;
  engagement_score: number;
  website_visits: number;
  email_opens: number;
  content_downloads: number;
  demo_requested: boolean;
  budget_confirmed: boolean;
  decision_timeline?: string;
  title?: string;
};

export interface LabelledLead {
  lead: Lead;
  converted: boolean;
}

/** mulberry32: a small, fast, well-mixed 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;

function gaussian(rng: Rng): number {
  // Box–Muller; 1 - u keeps the log argument in (0, 1].
  const u = 1 - rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  const item = items[Math.floor(rng() * items.length)];
  if (item === undefined) throw new RangeError("pick from an empty list");
  return item;
}

/** Picks from [weight, value] pairs. */
function weighted<T>(rng: Rng, table: readonly (readonly [number, T])[]): T {
  const total = table.reduce((s, [w]) => s + w, 0);
  let x = rng() * total;
  for (const [w, v] of table) {
    x -= w;
    if (x < 0) return v;
  }
  const last = table[table.length - 1];
  if (!last) throw new RangeError("weighted pick from an empty table");
  return last[1];
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

// [share of leads, effect on conversion log-odds, spellings seen in the CRM]
const INDUSTRIES: readonly (readonly [number, number, readonly string[]])[] = [
  [24, 0.45, ["Technology", "Technology", "Technology", "technology", "TECHNOLOGY"]],
  [14, 0.3, ["Finance", "Finance", "finance"]],
  [14, 0.15, ["Healthcare", "Healthcare", "healthcare"]],
  [14, 0, ["Manufacturing", "Manufacturing", "manufacturing"]],
  [12, -0.15, ["Retail", "Retail", "retail"]],
  [8, -0.35, ["Education", "Education"]],
  [14, -0.25, ["Other", "Other", "Consulting", "Government", "Non-profit", "Energy"]],
];

// [share, seniority 0–4, effect, titles]
const TITLES: readonly (readonly [number, number, number, readonly string[]])[] = [
  [
    12,
    4,
    0.6,
    ["CEO", "CTO", "CFO", "Chief Revenue Officer", "Co-Founder & CEO", "President", "Owner"],
  ],
  [15, 3, 0.8, ["VP of Sales", "Vice President, Marketing", "SVP Operations", "VP Engineering"]],
  [20, 2, 0.5, ["Sales Director", "Director of IT", "Head of Growth", "Director, Procurement"]],
  [25, 1, 0.1, ["Marketing Manager", "Product Manager", "Team Lead, Sales Ops", "IT Manager"]],
  [
    28,
    0,
    -0.4,
    ["Analyst", "Sales Associate", "Software Engineer", "Consultant", "Coordinator", "Intern"],
  ],
];

// [share, urgency 0–4, effect, spellings]
const TIMELINES: readonly (readonly [number, number, number, readonly string[]])[] = [
  [12, 4, 1.0, ["Immediate", "ASAP", "This month", "Immediately", "now"]],
  [
    28,
    3,
    0.6,
    ["Q2 2025", "Q3 2025", "Q1 2026", "Next quarter", "This quarter", "Within 3 months", "90 days"],
  ],
  [22, 2, 0.1, ["6 months", "H2 2025", "Within 6 months", "next 6 months"]],
  [18, 1, -0.4, ["Next year", "12 months", "2026", "Long term"]],
  [20, 0, -0.5, ["Unknown", "TBD", "Not sure", "Evaluating"]],
];

function generateLead(rng: Rng): LabelledLead {
  const interest = gaussian(rng); // unobserved; the features only see its traces
  const [, industryEffect, industryNames] = weighted(
    rng,
    INDUSTRIES.map((row) => [row[0], row] as const),
  );
  const [, seniority, titleEffect, titles] = weighted(
    rng,
    TITLES.map((row) => [row[0], row] as const),
  );
  const [, urgency, timelineEffect, timelines] = weighted(
    rng,
    TIMELINES.map((row) => [row[0], row] as const),
  );

  const company_size = Math.round(clamp(Math.exp(Math.log(200) + 1.6 * gaussian(rng)), 1, 200_000));
  const engagement_score = Math.round(clamp(50 + 18 * interest + 8 * gaussian(rng), 0, 100));
  const activity = (base: number, slope: number, spread: number) =>
    Math.max(
      0,
      Math.round(Math.exp(Math.log(base) + slope * interest + spread * gaussian(rng)) - 0.5),
    );
  const website_visits = activity(4, 0.5, 0.7);
  const email_opens = activity(3, 0.4, 0.7);
  const content_downloads = activity(1, 0.6, 0.8);
  const demo_requested = rng() < sigmoid(-1.2 + 1.1 * interest + 0.3 * seniority);
  const budget_confirmed =
    rng() < sigmoid(-1.5 + 0.5 * interest + 0.4 * seniority + 0.3 * (urgency - 2));

  const sizeEffect = clamp(0.3 * (Math.log10(company_size) - 2.3), -0.6, 0.6);
  const logit =
    -3.6 +
    1.5 * Number(demo_requested) +
    1.2 * Number(budget_confirmed) +
    0.4 * Number(demo_requested && budget_confirmed) +
    0.03 * (engagement_score - 50) +
    0.04 * Math.min(website_visits, 30) +
    0.02 * Math.min(email_opens, 20) +
    0.1 * Math.min(content_downloads, 10) +
    0.5 * interest +
    titleEffect +
    timelineEffect +
    sizeEffect +
    industryEffect +
    0.6 * gaussian(rng);
  const converted = rng() < sigmoid(logit);

  const lead: Lead = {
    company_size,
    industry: pick(rng, industryNames),
    engagement_score,
    website_visits,
    email_opens,
    content_downloads,
    demo_requested,
    budget_confirmed,
  };
  // A few CRM records lack the free-text fields; the spec's defaults cover them.
  const timeline = pick(rng, timelines);
  if (rng() >= 0.04) lead.decision_timeline = timeline;
  const title = pick(rng, titles);
  if (rng() >= 0.04) lead.title = title;
  return { lead, converted };
}

/** `count` labelled leads drawn from `seed`; the same arguments always give the same leads. */
export function generateLeads(count: number, seed: number): LabelledLead[] {
  const rng = mulberry32(seed);
  return Array.from({ length: count }, () => generateLead(rng));
}
