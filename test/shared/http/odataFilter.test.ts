import fc from 'fast-check';
import { listProfilePhones } from '../../../functions/profilePhones';
import { matchesFilter, MAX_FILTER_DEPTH, MAX_FILTER_LENGTH, type Filter } from '../../../shared/http/odataFilter';
import type { ListQuery } from '../../../shared/http/odataQuery';
import { phoneType } from '../../../shared/models/itemPhone';

/**
 * `$filter` of the profile-phone list, through the list descriptor's own query schema: what each text
 * parses into, what each refused text is told, and (property-based) that evaluating a parsed filter
 * agrees with a plain reference predicate on generated phones and generated filters.
 */

type Parsed = { filter: Filter } | { error: string };

function parse(text: string): Parsed {
  const result = listProfilePhones.query!.safeParse({ $filter: text });
  if (result.success) return { filter: (result.data as ListQuery<string>).filter! };
  return { error: result.error.issues[0]!.message };
}

function filterOf(text: string): Filter {
  const parsed = parse(text);
  if ('error' in parsed) throw new Error(`'${text}' was refused: ${parsed.error}`);
  return parsed.filter;
}

const eq = (property: string, value: string | null, flags = false): Filter => ({
  kind: 'compare',
  operator: 'eq',
  property,
  value,
  flags,
});

describe('what a filter parses into', () => {
  test.each<[string, Filter]>([
    ["type eq 'home'", eq('type', 'home')],
    ["type EQ 'home'", eq('type', 'home')],
    ["'home' eq type", eq('type', 'home')],
    ["type eq microsoft.graph.phoneType'mobile'", eq('type', 'mobile')],
    ['type eq null', eq('type', null)],
    ['displayName eq null', eq('displayName', null)],
    [
      "displayName ne 'O''Brien''s desk'",
      { kind: 'compare', operator: 'ne', property: 'displayName', value: "O'Brien's desk", flags: false },
    ],
    ["number eq ''", eq('number', '')],
    ["startswith(number,'+1 425')", { kind: 'startswith', property: 'number', prefix: '+1 425' }],
    ["StartsWith( displayName , 'a''b' )", { kind: 'startswith', property: 'displayName', prefix: "a'b" }],
    // A flags literal is made canonical: its members in declaration order, each once.
    ["allowedAudiences eq 'family,me'", eq('allowedAudiences', 'me,family', true)],
    ["allowedAudiences eq microsoft.graph.allowedAudiences'me'", eq('allowedAudiences', 'me', true)],
    ["allowedAudiences has 'family, me,me'", { kind: 'has', property: 'allowedAudiences', value: 'me,family' }],
    [
      "type eq 'home' or type eq 'mobile' and displayName eq 'x'",
      {
        kind: 'or',
        operands: [eq('type', 'home'), { kind: 'and', operands: [eq('type', 'mobile'), eq('displayName', 'x')] }],
      },
    ],
    [
      "(type eq 'home' or type eq 'mobile') and displayName eq 'x'",
      {
        kind: 'and',
        operands: [{ kind: 'or', operands: [eq('type', 'home'), eq('type', 'mobile')] }, eq('displayName', 'x')],
      },
    ],
    [
      "type eq 'home' and number eq '1' and displayName eq 'x'",
      { kind: 'and', operands: [eq('type', 'home'), eq('number', '1'), eq('displayName', 'x')] },
    ],
    ["not (type eq 'home')", { kind: 'not', operand: eq('type', 'home') }],
    [
      "NOT not startswith(number,'1')",
      { kind: 'not', operand: { kind: 'not', operand: { kind: 'startswith', property: 'number', prefix: '1' } } },
    ],
    ["\t((type eq 'pager'))  ", eq('type', 'pager')],
  ])('%s', (text, expected) => {
    expect(filterOf(text)).toEqual(expected);
  });
});

describe('what a refused filter is told: the part it could not take, and where', () => {
  test.each([
    [
      "colour eq 'x'",
      "could not take 'colour' at character 1: the properties a filter can name are type, displayName, number, allowedAudiences.",
    ],
    [
      "number gt '1'",
      "could not take 'gt' at character 8: the operator gt is not supported; a comparison uses eq, ne or has.",
    ],
    [
      "number in ('1','2')",
      "could not take 'in' at character 8: the operator in is not supported; a comparison uses eq, ne or has.",
    ],
    [
      "number eq '1' xor type eq null",
      "could not take 'xor' at character 15: expected and, or, or the end of the filter.",
    ],
    [
      "contains(number,'1')",
      "could not take 'contains' at character 1: the only function this filter takes is startswith(property, 'text').",
    ],
    [
      "startswith(type,'ho')",
      "could not take 'type' at character 12: startswith takes a string property: displayName, number.",
    ],
    [
      'startswith(number,null)',
      "could not take 'null' at character 19: startswith takes a string in single quotes second, for example 'abc'.",
    ],
    [
      "startswith(number,'1'",
      'could not take the end of the filter at character 22: expected a closing parenthesis after the string.',
    ],
    [
      "type eq 'homer'",
      "could not take 'homer' at character 9: must be one of the phoneType values: home, business, mobile, other, assistant, homeFax, businessFax, otherFax, pager, radio.",
    ],
    [
      "type eq microsoft.graph.allowedAudiences'me'",
      "could not take microsoft.graph.allowedAudiences'me' at character 9: type is a microsoft.graph.phoneType.",
    ],
    [
      "allowedAudiences has 'me,friends'",
      "could not take 'me,friends' at character 22: must be one or more allowedAudiences values separated by commas: me, family, contacts, groupMembers, organization, federatedOrganizations, everyone.",
    ],
    ["type has 'home'", "could not take 'type' at character 1: has applies to flags properties: allowedAudiences."],
    ["'me' has allowedAudiences", "could not take 'me' at character 1: has takes a property on its left."],
    ['allowedAudiences has null', "could not take 'null' at character 22: allowedAudiences is never null."],
    ['number eq null', "could not take 'null' at character 11: number is never null."],
    ['allowedAudiences eq null', "could not take 'null' at character 21: allowedAudiences is never null."],
    [
      "displayName eq microsoft.graph.phoneType'home'",
      "could not take microsoft.graph.phoneType'home' at character 16: displayName is a string: compare it with a string in single quotes.",
    ],
    ["'a' eq 'a'", "could not take 'a' at character 1: a comparison needs a property on one side."],
    [
      'number eq displayName',
      "could not take 'displayName' at character 11: a property can only be compared with a literal.",
    ],
    [
      "not type eq 'home'",
      "could not take 'type' at character 5: not applies to a parenthesized condition or to startswith(...).",
    ],
    ["displayName eq 'open", "could not take 'open at character 16: the string has no closing quote."],
    [
      'number eq 5',
      "could not take '5' at character 11: a filter is made of property names, operators, strings in single quotes, null, parentheses and commas.",
    ],
    [
      'number eq "5"',
      'could not take \'"5"\' at character 11: a filter is made of property names, operators, strings in single quotes, null, parentheses and commas.',
    ],
    ["(number eq '1'", 'could not take the end of the filter at character 15: expected a closing parenthesis.'],
    ["number eq '1')", "could not take ')' at character 14: expected and, or, or the end of the filter."],
    [
      '',
      'could not take the end of the filter at character 1: expected a property (type, displayName, number, allowedAudiences) or a literal.',
    ],
    [
      "number eq '1' and",
      'could not take the end of the filter at character 18: expected a property (type, displayName, number, allowedAudiences) or a literal.',
    ],
  ])('%s', (text, message) => {
    expect(parse(text)).toEqual({ error: message });
  });

  test(`a filter longer than ${MAX_FILTER_LENGTH} characters is refused before it is read`, () => {
    const atom = "number eq '1' or ";
    const long = atom.repeat(Math.ceil(MAX_FILTER_LENGTH / atom.length)) + "number eq '2'";
    expect(parse(long)).toEqual({ error: `is longer than ${MAX_FILTER_LENGTH} characters.` });
    const fits = atom.repeat(Math.floor((MAX_FILTER_LENGTH - 13) / atom.length)) + "number eq '2'";
    expect(fits.length).toBeLessThanOrEqual(MAX_FILTER_LENGTH);
    expect(parse(fits)).toHaveProperty('filter');
  });

  test(`parentheses and not nest at most ${MAX_FILTER_DEPTH} deep, however long the text may be`, () => {
    const nested = (depth: number) => '('.repeat(depth) + 'type eq null' + ')'.repeat(depth);
    expect(parse(nested(MAX_FILTER_DEPTH))).toEqual({ filter: eq('type', null) });
    expect(parse(nested(MAX_FILTER_DEPTH + 1))).toEqual({
      error: `could not take '(' at character ${MAX_FILTER_DEPTH + 1}: parentheses and not may be nested at most ${MAX_FILTER_DEPTH} deep.`,
    });
    const nots = (depth: number) => 'not '.repeat(depth) + "startswith(number,'1')";
    expect(parse(nots(MAX_FILTER_DEPTH))).toHaveProperty('filter');
    expect(parse(nots(MAX_FILTER_DEPTH + 1))).toHaveProperty(
      'error',
      expect.stringMatching(/^could not take 'not' at character 41: /),
    );
    // Far past the limit the answer is the same refusal, not a stack overflow.
    expect(parse('('.repeat(900))).toHaveProperty('error', expect.stringContaining('nested at most'));
  });
});

// ---- property-based: the evaluator against a plain reference predicate ----

const PHONE_TYPES = phoneType.options;
/** microsoft.graph.allowedAudiences, in declaration order (the order stored values keep). */
const AUDIENCES = ['me', 'family', 'contacts', 'groupMembers', 'organization', 'federatedOrganizations', 'everyone'];

interface Phone {
  type: string | null;
  displayName: string | null;
  number: string;
  allowedAudiences: string;
}

/** Short texts over a few characters (quotes and spaces included), so generated filters often match. */
const text = fc.string({ unit: fc.constantFrom('a', 'b', "'", ' ', '1', '+'), maxLength: 4 });
const audiences = fc.uniqueArray(fc.constantFrom(...AUDIENCES), { minLength: 1, maxLength: 3 });

const phone: fc.Arbitrary<Phone> = fc.record({
  type: fc.option(fc.constantFrom(...PHONE_TYPES), { nil: null }),
  displayName: fc.option(text, { nil: null }),
  number: text,
  // Stored canonical: declaration order.
  allowedAudiences: audiences.map((members) => AUDIENCES.filter((member) => members.includes(member)).join(',')),
});

/** Kleene logic as numbers: 1 true, 0 false, 0.5 unknown (null); and is min, or is max, not is 1 - x. */
type Truth = 0 | 0.5 | 1;
interface Generated {
  text: string;
  /** 3: atom or not, 2: and, 1: or; a child of lower precedence than its parent gets parentheses. */
  precedence: 1 | 2 | 3;
  /** True for what `not` may take without parentheses: startswith(...) and not (...). */
  negatable: boolean;
  truth: (phone: Phone) => Truth;
}

const quote = (value: string) => `'${value.replace(/'/g, "''")}'`;
const anyCase = (word: string) => fc.constantFrom(word, word.toUpperCase(), word[0]!.toUpperCase() + word.slice(1));
const bool = (value: boolean): Truth => (value ? 1 : 0);

function comparisonText(property: string, operator: string, literal: string, flipped: boolean) {
  return flipped ? `${literal} ${operator} ${property}` : `${property} ${operator} ${literal}`;
}

const stringComparison = fc
  .record({
    property: fc.constantFrom('displayName', 'number'),
    value: fc.option(text, { nil: null, freq: 5 }),
    operator: fc.constantFrom('eq', 'ne'),
    flipped: fc.boolean(),
  })
  .filter(({ property, value }) => !(property === 'number' && value === null))
  .chain(({ property, value, operator, flipped }) =>
    anyCase(operator).map((written): Generated => ({
      text: comparisonText(property, written, value === null ? 'null' : quote(value), flipped),
      precedence: 3,
      negatable: false,
      truth: (phone) => {
        const same = phone[property] === value;
        return bool(operator === 'eq' ? same : !same);
      },
    })),
  );

const typeComparison = fc
  .record({
    value: fc.option(fc.constantFrom(...PHONE_TYPES), { nil: null, freq: 4 }),
    operator: fc.constantFrom('eq', 'ne'),
    qualified: fc.boolean(),
    flipped: fc.boolean(),
  })
  .map(({ value, operator, qualified, flipped }): Generated => ({
    text: comparisonText(
      'type',
      operator,
      value === null ? 'null' : `${qualified ? 'microsoft.graph.phoneType' : ''}'${value}'`,
      flipped,
    ),
    precedence: 3,
    negatable: false,
    truth: (phone) => bool((phone.type === value) === (operator === 'eq')),
  }));

const audienceComparison = fc
  .record({ members: audiences, operator: fc.constantFrom('eq', 'ne', 'has'), spaced: fc.boolean() })
  .map(({ members, operator, spaced }): Generated => {
    const set = (value: string) => new Set(value.split(','));
    return {
      text: `allowedAudiences ${operator} '${members.join(spaced ? ', ' : ',')}'`,
      precedence: 3,
      negatable: false,
      truth: (phone) => {
        const held = set(phone.allowedAudiences);
        const all = members.every((member) => held.has(member));
        if (operator === 'has') return bool(all);
        const same = all && held.size === members.length;
        return bool(operator === 'eq' ? same : !same);
      },
    };
  });

const startsWith = fc
  .record({ property: fc.constantFrom('displayName', 'number'), prefix: text })
  .chain(({ property, prefix }) =>
    anyCase('startswith').map((name): Generated => ({
      text: `${name}(${property},${quote(prefix)})`,
      precedence: 3,
      negatable: true,
      truth: (phone) => {
        const value = phone[property];
        return value === null ? 0.5 : bool(value.startsWith(prefix));
      },
    })),
  );

const wrap = (child: Generated, parentPrecedence: number, extra: boolean) =>
  child.precedence < parentPrecedence || extra ? `(${child.text})` : child.text;

const { filter: generatedFilter } = fc.letrec<{ filter: Generated }>((tie) => ({
  filter: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    stringComparison,
    typeComparison,
    audienceComparison,
    startsWith,
    fc
      .record({ left: tie('filter'), right: tie('filter'), kind: fc.constantFrom('and', 'or'), extra: fc.boolean() })
      .chain(({ left, right, kind, extra }) =>
        anyCase(kind).map((word): Generated => {
          const precedence = kind === 'or' ? 1 : 2;
          return {
            text: `${wrap(left, precedence, false)} ${word} ${wrap(right, precedence + 1, extra)}`,
            precedence,
            negatable: false,
            truth: (phone) => {
              const [a, b] = [left.truth(phone), right.truth(phone)];
              return kind === 'and' ? (Math.min(a, b) as Truth) : (Math.max(a, b) as Truth);
            },
          };
        }),
      ),
    fc.record({ operand: tie('filter'), word: anyCase('not') }).map(({ operand, word }): Generated => ({
      text: `${word} ${operand.negatable ? operand.text : `(${operand.text})`}`,
      precedence: 3,
      negatable: true,
      truth: (phone) => (1 - operand.truth(phone)) as Truth,
    })),
  ),
}));

describe('the evaluator agrees with a plain reference predicate', () => {
  test('on generated phones and generated filters (an item is listed only when the filter is true)', () => {
    fc.assert(
      fc.property(generatedFilter, fc.array(phone, { minLength: 1, maxLength: 12 }), (generated, phones) => {
        fc.pre(generated.text.length <= MAX_FILTER_LENGTH);
        const parsed = parse(generated.text);
        if ('error' in parsed) {
          // Only nesting past the bound may be refused.
          expect(parsed.error).toContain('nested at most');
          return;
        }
        for (const item of phones)
          expect([item, matchesFilter(parsed.filter, item)]).toEqual([item, generated.truth(item) === 1]);
      }),
      { numRuns: 1_500 },
    );
  });

  test('null is unknown, not false: not startswith on a null property is not a match, and or with a true side is', () => {
    const unnamed: Phone = { type: null, displayName: null, number: '1', allowedAudiences: 'me' };
    expect(matchesFilter(filterOf("startswith(displayName,'a')"), unnamed)).toBe(false);
    expect(matchesFilter(filterOf("not startswith(displayName,'a')"), unnamed)).toBe(false);
    expect(matchesFilter(filterOf("not startswith(displayName,'a') or number eq '1'"), unnamed)).toBe(true);
    expect(matchesFilter(filterOf("not (startswith(displayName,'a') and number eq '2')"), unnamed)).toBe(true);
    expect(matchesFilter(filterOf("displayName ne 'a'"), unnamed)).toBe(true);
    expect(matchesFilter(filterOf('displayName eq null'), unnamed)).toBe(true);
  });
});
