import type { z } from 'zod';

/**
 * OData `$filter` for a collection held in memory: a tokenizer and a recursive-descent parser turn the
 * text into a small typed expression, which is then evaluated over each item. Only what the collection
 * declares filterable can be named, so no part of the text ever reaches storage.
 *
 * Grammar (keywords and function names in any letter case, property names as declared):
 *
 *   filter     = or
 *   or         = and *( "or" and )
 *   and        = term *( "and" term )
 *   term       = "not" negatable / negatable / comparison
 *   negatable  = "(" or ")" / "startswith(" property "," string ")" / "not" negatable
 *   comparison = property ( "eq" / "ne" ) literal / literal ( "eq" / "ne" ) property / property "has" literal
 *   literal    = string / "null" / qualifiedEnumTypeName string
 *   string     = "'" *( any character but "'" / "''" ) "'"
 *
 * As in OData, `not` binds tighter than a comparison, so `not type eq 'home'` is refused and
 * `not (type eq 'home')` is meant. Logic is OData's three-valued one: `startswith` on a null property
 * is null (neither true nor false), `not null` is null, and an item is returned only when the whole
 * filter is true. `eq null` is true for a null property; `eq 'x'` on a null property is false.
 */

/** How one filterable property compares. */
export type FilterableProperty =
  /** Edm.String: `eq`, `ne`, `startswith`. */
  | { kind: 'string'; nullable: boolean }
  /** An enum type: `eq`, `ne` with a member name, plain (`'home'`) or qualified (`microsoft.graph.phoneType'home'`). */
  | { kind: 'enum'; type: string; members: z.ZodType<string>; nullable: boolean }
  /**
   * A flags enum held as comma-separated member names: `eq` and `ne` compare the set of members
   * (`'family,me'` equals `'me,family'`), `has` is true when every member of the literal is set.
   * `members` parses a literal into the canonical form.
   */
  | { kind: 'flags'; type: string; members: z.ZodType<string>; nullable: boolean };

export type FilterSpec<Property extends string> = Readonly<Record<Property, FilterableProperty>>;

export type Filter<Property extends string = string> =
  | { kind: 'and' | 'or'; operands: Filter<Property>[] }
  | { kind: 'not'; operand: Filter<Property> }
  | { kind: 'compare'; operator: 'eq' | 'ne'; property: Property; value: string | null; flags: boolean }
  | { kind: 'has'; property: Property; value: string }
  | { kind: 'startswith'; property: Property; prefix: string };

export const MAX_FILTER_LENGTH = 1_000;
/** Parentheses and `not`s inside each other. */
export const MAX_FILTER_DEPTH = 10;

/** What a filter over these properties may say, for the API description. */
export function describeFilter(spec: FilterSpec<string>): string {
  const declared = Object.entries<FilterableProperty>(spec);
  const names = (keep: (property: FilterableProperty) => boolean) =>
    declared.filter(([, property]) => keep(property)).map(([name]) => name);
  const enums = declared.flatMap(([name, property]) =>
    property.kind === 'string' ? [] : [`${name} (${property.type})`],
  );
  const nullable = names((property) => property.nullable);
  const flags = names((property) => property.kind === 'flags');
  const strings = names((property) => property.kind === 'string');
  return [
    `OData filter on ${Object.keys(spec).join(', ')}.`,
    "`eq` and `ne` compare a property with a literal: a string in single quotes (`''` inside for a quote)" +
      (nullable.length > 0 ? `, or \`null\` (${nullable.join(', ')}).` : '.'),
    enums.length > 0
      ? `Enum members are written in single quotes, optionally after their type name: ${enums.join(', ')}.`
      : '',
    flags.length > 0
      ? `On flags (${flags.join(', ')}), \`eq\` compares the set of members and \`has\` is true when every member named is set.`
      : '',
    strings.length > 0 ? `\`startswith(property,'text')\` on ${strings.join(', ')}.` : '',
    `Combine with \`and\`, \`or\`, \`not\` and parentheses; at most ${MAX_FILTER_LENGTH} characters, nested at most ${MAX_FILTER_DEPTH} deep.`,
  ]
    .filter((sentence) => sentence !== '')
    .join(' ');
}

export type ParsedFilter<Property extends string> = { filter: Filter<Property> } | { error: string };

/**
 * Parses `$filter` text. The error completes the sentence "The query option '$filter' ..." and names
 * the part it could not take, with its position (1-based).
 */
export function parseFilter<Property extends string>(text: string, spec: FilterSpec<Property>): ParsedFilter<Property> {
  if (text.length > MAX_FILTER_LENGTH) return { error: `is longer than ${MAX_FILTER_LENGTH} characters.` };
  try {
    return { filter: new Parser(text, spec).parse() };
  } catch (error) {
    if (error instanceof FilterSyntaxError) return { error: error.message };
    throw error;
  }
}

/** True when the filter holds for the item (null, OData's unknown, is not a match). */
export function matchesFilter(filter: Filter, item: object): boolean {
  return evaluate(filter, item as Record<string, unknown>) === true;
}

function evaluate(filter: Filter, item: Record<string, unknown>): boolean | null {
  switch (filter.kind) {
    case 'and':
    case 'or': {
      // A deciding operand (false for and, true for or) wins over an unknown one.
      const deciding = filter.kind === 'or';
      let result: boolean | null = !deciding;
      for (const operand of filter.operands) {
        const value = evaluate(operand, item);
        if (value === deciding) return deciding;
        if (value === null) result = null;
      }
      return result;
    }
    case 'not': {
      const value = evaluate(filter.operand, item);
      return value === null ? null : !value;
    }
    case 'compare': {
      const actual = stringOrNull(item[filter.property]);
      const equal =
        filter.flags && actual !== null && filter.value !== null
          ? sameMembers(membersOf(actual), membersOf(filter.value))
          : actual === filter.value;
      return filter.operator === 'eq' ? equal : !equal;
    }
    case 'has': {
      const actual = stringOrNull(item[filter.property]);
      if (actual === null) return null;
      const set = membersOf(actual);
      return membersOf(filter.value).every((member) => set.includes(member));
    }
    case 'startswith': {
      const actual = stringOrNull(item[filter.property]);
      return actual === null ? null : actual.startsWith(filter.prefix);
    }
  }
}

const stringOrNull = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const membersOf = (flags: string): string[] => flags.split(',').map((member) => member.trim());
const sameMembers = (a: string[], b: string[]) =>
  a.every((member) => b.includes(member)) && b.every((member) => a.includes(member));

class FilterSyntaxError extends Error {}

type Token =
  | { kind: 'open' | 'close' | 'comma' | 'end'; at: number; text: string }
  | { kind: 'name'; at: number; text: string }
  | { kind: 'string'; at: number; text: string; value: string; type?: string };

type Operand<Property extends string> =
  | { kind: 'property'; name: Property; token: Token }
  | { kind: 'null'; token: Token }
  | { kind: 'string'; value: string; type?: string; token: Token };

const NAME = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/y;
const WHITESPACE = /[ \t]*/y;
/** Operators OData has that this service does not take, so the error can say so. */
const OTHER_OPERATORS = ['gt', 'ge', 'lt', 'le', 'in', 'add', 'sub', 'mul', 'div', 'divby', 'mod'];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  const skipWhitespace = () => {
    WHITESPACE.lastIndex = at;
    WHITESPACE.exec(text);
    at = WHITESPACE.lastIndex;
  };
  for (skipWhitespace(); at < text.length; skipWhitespace()) {
    const char = text[at]!;
    const punctuation = char === '(' ? 'open' : char === ')' ? 'close' : char === ',' ? 'comma' : undefined;
    if (punctuation) {
      tokens.push({ kind: punctuation, at, text: char });
      at += 1;
      continue;
    }
    if (char === "'") {
      const [value, end] = readString(text, at);
      tokens.push({ kind: 'string', at, text: text.slice(at, end), value });
      at = end;
      continue;
    }
    NAME.lastIndex = at;
    const name = NAME.exec(text)?.[0];
    if (name === undefined)
      throw cannotTake(
        { at, text: wordAt(text, at) },
        'a filter is made of property names, operators, strings in single quotes, null, parentheses and commas.',
      );
    if (text[at + name.length] === "'") {
      // A qualified enum literal: the type name written right before the quoted member.
      const [value, end] = readString(text, at + name.length);
      tokens.push({ kind: 'string', at, text: text.slice(at, end), value, type: name });
      at = end;
      continue;
    }
    tokens.push({ kind: 'name', at, text: name });
    at += name.length;
  }
  tokens.push({ kind: 'end', at, text: '' });
  return tokens;
}

/** A quoted string from its opening quote: the value (with `''` read as `'`) and the index after it. */
function readString(text: string, start: number): [string, number] {
  let value = '';
  for (let at = start + 1; at < text.length; at += 1) {
    if (text[at] !== "'") {
      value += text[at];
      continue;
    }
    if (text[at + 1] !== "'") return [value, at + 1];
    value += "'";
    at += 1;
  }
  throw cannotTake({ at: start, text: text.slice(start, start + 20) }, 'the string has no closing quote.');
}

const wordAt = (text: string, at: number) => /^[^ \t()',]{1,20}/.exec(text.slice(at))?.[0] ?? text[at]!;

function cannotTake(token: { at: number; text: string }, reason: string): FilterSyntaxError {
  // A string token already shows its quotes.
  const part = token.text === '' ? 'the end of the filter' : token.text.includes("'") ? token.text : `'${token.text}'`;
  return new FilterSyntaxError(`could not take ${part} at character ${token.at + 1}: ${reason}`);
}

class Parser<Property extends string> {
  private readonly tokens: Token[];
  private index = 0;

  constructor(
    text: string,
    private readonly spec: FilterSpec<Property>,
  ) {
    this.tokens = tokenize(text);
  }

  parse(): Filter<Property> {
    const filter = this.or(0);
    const rest = this.peek();
    if (rest.kind !== 'end') throw this.fail(rest, 'expected and, or, or the end of the filter.');
    return filter;
  }

  private or(depth: number): Filter<Property> {
    const operands = [this.and(depth)];
    while (this.keyword('or')) operands.push(this.and(depth));
    return operands.length === 1 ? operands[0]! : { kind: 'or', operands };
  }

  private and(depth: number): Filter<Property> {
    const operands = [this.term(depth)];
    while (this.keyword('and')) operands.push(this.term(depth));
    return operands.length === 1 ? operands[0]! : { kind: 'and', operands };
  }

  private term(depth: number): Filter<Property> {
    const token = this.peek();
    if (token.kind === 'open' || this.isFunctionCall() || this.isKeyword(token, 'not')) return this.negatable(depth);
    return this.comparison();
  }

  /** What `not` can apply to: a parenthesized filter, a function call, or another `not`. */
  private negatable(depth: number): Filter<Property> {
    const token = this.peek();
    if (token.kind === 'open' || this.isKeyword(token, 'not')) {
      if (depth >= MAX_FILTER_DEPTH)
        throw this.fail(token, `parentheses and not may be nested at most ${MAX_FILTER_DEPTH} deep.`);
      this.index += 1;
      if (token.kind === 'name') return { kind: 'not', operand: this.negatable(depth + 1) };
      const inner = this.or(depth + 1);
      this.expect('close', 'expected a closing parenthesis.');
      return inner;
    }
    if (this.isFunctionCall()) return this.startswith();
    throw this.fail(token, 'not applies to a parenthesized condition or to startswith(...).');
  }

  private isFunctionCall(): boolean {
    return this.peek().kind === 'name' && this.tokens[this.index + 1]?.kind === 'open';
  }

  private startswith(): Filter<Property> {
    const name = this.next();
    if (name.text.toLowerCase() !== 'startswith')
      throw this.fail(name, "the only function this filter takes is startswith(property, 'text').");
    this.index += 1;
    const property = this.operand();
    if (property.kind !== 'property')
      throw this.fail(property.token, 'startswith takes a property first, then a string.');
    if (this.spec[property.name].kind !== 'string')
      throw this.fail(property.token, `startswith takes a string property: ${this.propertiesOf('string')}.`);
    this.expect('comma', 'expected a comma after the property.');
    const prefix = this.operand();
    if (prefix.kind !== 'string' || prefix.type !== undefined)
      throw this.fail(prefix.token, "startswith takes a string in single quotes second, for example 'abc'.");
    this.expect('close', 'expected a closing parenthesis after the string.');
    return { kind: 'startswith', property: property.name, prefix: prefix.value };
  }

  private comparison(): Filter<Property> {
    const left = this.operand();
    const operator = this.next();
    const name = operator.kind === 'name' ? operator.text.toLowerCase() : '';
    if (name !== 'eq' && name !== 'ne' && name !== 'has') {
      const reason = OTHER_OPERATORS.includes(name)
        ? `the operator ${name} is not supported; a comparison uses eq, ne or has.`
        : 'expected a comparison operator: eq, ne or has.';
      throw this.fail(operator, reason);
    }
    const right = this.operand();
    if (name === 'has') {
      if (left.kind !== 'property') throw this.fail(left.token, 'has takes a property on its left.');
      return { kind: 'has', property: left.name, value: this.hasLiteral(left, right) };
    }
    const [property, literal] =
      left.kind === 'property' ? [left, right] : right.kind === 'property' ? [right, left] : [undefined, right];
    if (!property) throw this.fail(left.token, 'a comparison needs a property on one side.');
    if (literal.kind === 'property') throw this.fail(literal.token, 'a property can only be compared with a literal.');
    return { kind: 'compare', operator: name, property: property.name, ...this.comparable(property, literal) };
  }

  private hasLiteral(property: Extract<Operand<Property>, { kind: 'property' }>, literal: Operand<Property>): string {
    if (this.spec[property.name].kind !== 'flags')
      throw this.fail(property.token, `has applies to flags properties: ${this.propertiesOf('flags')}.`);
    if (literal.kind === 'property')
      throw this.fail(literal.token, 'has takes flag names in single quotes on its right.');
    const { value } = this.comparable(property, literal);
    if (value === null) throw this.fail(literal.token, "has takes flag names in single quotes, for example 'me'.");
    return value;
  }

  /** The literal's value in the property's terms: an enum member checked, flags made canonical. */
  private comparable(
    property: Extract<Operand<Property>, { kind: 'property' }>,
    literal: Exclude<Operand<Property>, { kind: 'property' }>,
  ): { value: string | null; flags: boolean } {
    const declared = this.spec[property.name];
    const flags = declared.kind === 'flags';
    if (literal.kind === 'null') {
      if (!declared.nullable) throw this.fail(literal.token, `${property.name} is never null.`);
      return { value: null, flags };
    }
    if (declared.kind === 'string') {
      if (literal.type !== undefined)
        throw this.fail(literal.token, `${property.name} is a string: compare it with a string in single quotes.`);
      return { value: literal.value, flags };
    }
    if (literal.type !== undefined && literal.type !== declared.type)
      throw this.fail(literal.token, `${property.name} is a ${declared.type}.`);
    const parsed = declared.members.safeParse(literal.value);
    if (!parsed.success) throw this.fail(literal.token, parsed.error.issues[0]?.message ?? 'is not a member.');
    return { value: parsed.data, flags };
  }

  private operand(): Operand<Property> {
    const token = this.next();
    if (token.kind === 'string') return { kind: 'string', value: token.value, type: token.type, token };
    if (token.kind !== 'name') throw this.fail(token, `expected a property (${this.propertiesOf()}) or a literal.`);
    if (token.text.toLowerCase() === 'null') return { kind: 'null', token };
    if (!Object.hasOwn(this.spec, token.text))
      throw this.fail(token, `the properties a filter can name are ${this.propertiesOf()}.`);
    return { kind: 'property', name: token.text as Property, token };
  }

  private propertiesOf(kind?: FilterableProperty['kind']): string {
    return Object.entries<FilterableProperty>(this.spec)
      .filter(([, declared]) => kind === undefined || declared.kind === kind)
      .map(([name]) => name)
      .join(', ');
  }

  private keyword(word: string): boolean {
    if (!this.isKeyword(this.peek(), word)) return false;
    this.index += 1;
    return true;
  }

  private isKeyword(token: Token, word: string): boolean {
    return token.kind === 'name' && token.text.toLowerCase() === word;
  }

  private expect(kind: Token['kind'], reason: string): void {
    const token = this.next();
    if (token.kind !== kind) throw this.fail(token, reason);
  }

  private peek(): Token {
    return this.tokens[this.index]!;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.index += 1;
    return token;
  }

  private fail(token: { at: number; text: string }, reason: string): FilterSyntaxError {
    return cannotTake(token, reason);
  }
}
