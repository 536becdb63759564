/**
 * The policy expression language: a small, side-effect-free formula language for tiers, eligibility
 * rules, rating inputs and formulas. Grammar (lowest precedence first):
 *
 *   expression := or
 *   or         := and ( "or" and )*
 *   and        := not ( "and" not )*
 *   not        := "not" not | comparison
 *   comparison := sum ( ( "<" | "<=" | ">" | ">=" | "==" | "!=" ) sum )?
 *   sum        := product ( ( "+" | "-" ) product )*
 *   product    := unary ( ( "*" | "/" ) unary )*
 *   unary      := "-" unary | primary
 *   primary    := number | text | "true" | "false" | attribute | call | "(" expression ")"
 *   attribute  := ( "candidate" | "donor" | "pair" ) "." name
 *   call       := function "(" expression ( "," expression )* ")"
 *
 * Text is written in single or double quotes. Parsing happens once, when a policy is validated.
 */

export const FUNCTIONS = ['min', 'max', 'exp', 'ln', 'pow', 'cos', 'sin', 'abs', 'if', 'known', 'aboCompatible'] as const
export type FunctionName = typeof FUNCTIONS[number]

export type ArithmeticOperator = '+' | '-' | '*' | '/'
export type ComparisonOperator = '<' | '<=' | '>' | '>=' | '==' | '!='
export type LogicalOperator = 'and' | 'or'
export type BinaryOperator = ArithmeticOperator | ComparisonOperator | LogicalOperator

/** A node of a parsed expression; `at` is the character offset in the source, for error messages. */
export type ExpressionNode =
  | { readonly kind: 'number', readonly value: number, readonly at: number }
  | { readonly kind: 'text', readonly value: string, readonly at: number }
  | { readonly kind: 'boolean', readonly value: boolean, readonly at: number }
  | { readonly kind: 'attribute', readonly name: string, readonly at: number }
  | { readonly kind: 'negate', readonly operand: ExpressionNode, readonly at: number }
  | { readonly kind: 'not', readonly operand: ExpressionNode, readonly at: number }
  | { readonly kind: 'binary', readonly operator: BinaryOperator, readonly left: ExpressionNode, readonly right: ExpressionNode, readonly at: number }
  | { readonly kind: 'call', readonly name: FunctionName, readonly args: readonly ExpressionNode[], readonly at: number }

/** A syntax error at a character offset of the source. */
export class ExpressionSyntaxError extends Error {
  override name = 'ExpressionSyntaxError'
  readonly offset: number
  constructor (message: string, offset: number) {
    super(`${message} (at character ${offset + 1})`)
    this.offset = offset
  }
}

type Token =
  | { kind: 'number', value: number, at: number }
  | { kind: 'text', value: string, at: number }
  | { kind: 'word', value: string, at: number }
  | { kind: 'symbol', value: string, at: number }
  | { kind: 'end', at: number }

const SYMBOLS = ['<=', '>=', '==', '!=', '<', '>', '+', '-', '*', '/', '(', ')', ',', '.']
const NUMBER = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/
const WORD = /^[A-Za-z_][A-Za-z0-9_]*/

function tokenize (source: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < source.length) {
    const char = source[i] as string
    if (char === ' ' || char === '\t' || char === '\n' || char === '\r') { i++; continue }
    const rest = source.slice(i)
    const number = NUMBER.exec(rest)
    if (number !== null && !/^\.[A-Za-z_]/.test(rest)) {
      tokens.push({ kind: 'number', value: Number(number[0]), at: i })
      i += number[0].length
      continue
    }
    const word = WORD.exec(rest)
    if (word !== null) {
      tokens.push({ kind: 'word', value: word[0], at: i })
      i += word[0].length
      continue
    }
    if (char === '"' || char === '\'') {
      const close = source.indexOf(char, i + 1)
      if (close < 0) throw new ExpressionSyntaxError('unterminated text', i)
      tokens.push({ kind: 'text', value: source.slice(i + 1, close), at: i })
      i = close + 1
      continue
    }
    const symbol = SYMBOLS.find((s) => rest.startsWith(s))
    if (symbol === undefined) {
      if (char === '&' || char === '|' || char === '!') throw new ExpressionSyntaxError(`unexpected "${char}"; write "and", "or", "not"`, i)
      if (char === '^') throw new ExpressionSyntaxError('unexpected "^"; write pow(base, exponent)', i)
      throw new ExpressionSyntaxError(`unexpected "${char}"`, i)
    }
    tokens.push({ kind: 'symbol', value: symbol, at: i })
    i += symbol.length
  }
  tokens.push({ kind: 'end', at: source.length })
  return tokens
}

const ENTITIES = new Set(['candidate', 'donor', 'pair'])
const KEYWORDS = new Set(['and', 'or', 'not', 'true', 'false'])

class Parser {
  readonly #tokens: Token[]
  #position = 0

  constructor (tokens: Token[]) {
    this.#tokens = tokens
  }

  parse (): ExpressionNode {
    const node = this.#or()
    const next = this.#peek()
    if (next.kind !== 'end') throw new ExpressionSyntaxError(`unexpected ${describe(next)}`, next.at)
    return node
  }

  #peek (): Token {
    return this.#tokens[this.#position] as Token
  }

  #take (): Token {
    const token = this.#peek()
    this.#position++
    return token
  }

  #isSymbol (value: string): boolean {
    const token = this.#peek()
    return token.kind === 'symbol' && token.value === value
  }

  #isWord (value: string): boolean {
    const token = this.#peek()
    return token.kind === 'word' && token.value === value
  }

  #expectSymbol (value: string): void {
    const token = this.#take()
    if (token.kind !== 'symbol' || token.value !== value) throw new ExpressionSyntaxError(`expected "${value}" but found ${describe(token)}`, token.at)
  }

  #or (): ExpressionNode {
    let left = this.#and()
    while (this.#isWord('or')) {
      const at = this.#take().at
      left = { kind: 'binary', operator: 'or', left, right: this.#and(), at }
    }
    return left
  }

  #and (): ExpressionNode {
    let left = this.#not()
    while (this.#isWord('and')) {
      const at = this.#take().at
      left = { kind: 'binary', operator: 'and', left, right: this.#not(), at }
    }
    return left
  }

  #not (): ExpressionNode {
    if (this.#isWord('not')) {
      const at = this.#take().at
      return { kind: 'not', operand: this.#not(), at }
    }
    return this.#comparison()
  }

  #comparison (): ExpressionNode {
    const left = this.#sum()
    const token = this.#peek()
    if (token.kind === 'symbol' && ['<', '<=', '>', '>=', '==', '!='].includes(token.value)) {
      this.#take()
      const node: ExpressionNode = { kind: 'binary', operator: token.value as ComparisonOperator, left, right: this.#sum(), at: token.at }
      const after = this.#peek()
      if (after.kind === 'symbol' && ['<', '<=', '>', '>=', '==', '!='].includes(after.value)) {
        throw new ExpressionSyntaxError('comparisons cannot be chained; join them with "and"', after.at)
      }
      return node
    }
    return left
  }

  #sum (): ExpressionNode {
    let left = this.#product()
    while (this.#isSymbol('+') || this.#isSymbol('-')) {
      const token = this.#take() as { value: string, at: number }
      left = { kind: 'binary', operator: token.value as ArithmeticOperator, left, right: this.#product(), at: token.at }
    }
    return left
  }

  #product (): ExpressionNode {
    let left = this.#unary()
    while (this.#isSymbol('*') || this.#isSymbol('/')) {
      const token = this.#take() as { value: string, at: number }
      left = { kind: 'binary', operator: token.value as ArithmeticOperator, left, right: this.#unary(), at: token.at }
    }
    return left
  }

  #unary (): ExpressionNode {
    if (this.#isSymbol('-')) {
      const at = this.#take().at
      return { kind: 'negate', operand: this.#unary(), at }
    }
    return this.#primary()
  }

  #primary (): ExpressionNode {
    const token = this.#take()
    switch (token.kind) {
      case 'number':
        return { kind: 'number', value: token.value, at: token.at }
      case 'text':
        return { kind: 'text', value: token.value, at: token.at }
      case 'symbol':
        if (token.value === '(') {
          const inner = this.#or()
          this.#expectSymbol(')')
          return inner
        }
        throw new ExpressionSyntaxError(`unexpected ${describe(token)}`, token.at)
      case 'end':
        throw new ExpressionSyntaxError('unexpected end of expression', token.at)
      case 'word':
        return this.#word(token.value, token.at)
    }
  }

  #word (word: string, at: number): ExpressionNode {
    if (word === 'true' || word === 'false') return { kind: 'boolean', value: word === 'true', at }
    if (KEYWORDS.has(word)) throw new ExpressionSyntaxError(`unexpected "${word}"`, at)
    if (this.#isSymbol('(')) {
      if (!(FUNCTIONS as readonly string[]).includes(word)) {
        throw new ExpressionSyntaxError(`unknown function "${word}"; available: ${FUNCTIONS.join(', ')}`, at)
      }
      this.#take()
      const args: ExpressionNode[] = [this.#or()]
      while (this.#isSymbol(',')) {
        this.#take()
        args.push(this.#or())
      }
      this.#expectSymbol(')')
      return { kind: 'call', name: word as FunctionName, args, at }
    }
    if (this.#isSymbol('.')) {
      this.#take()
      const member = this.#take()
      if (member.kind !== 'word') throw new ExpressionSyntaxError(`expected an attribute name after "${word}."`, member.at)
      if (this.#isSymbol('.')) throw new ExpressionSyntaxError('attribute names have one dot: candidate.<name>, donor.<name> or pair.<name>', this.#peek().at)
      return { kind: 'attribute', name: `${word}.${member.value}`, at }
    }
    if (ENTITIES.has(word)) throw new ExpressionSyntaxError(`expected "${word}.<attribute>"`, at)
    // A bare word is reported by the checker as an unknown attribute, with the vocabulary hint.
    return { kind: 'attribute', name: word, at }
  }
}

function describe (token: Token): string {
  switch (token.kind) {
    case 'end': return 'the end of the expression'
    case 'number': return `number ${token.value}`
    case 'text': return `text "${token.value}"`
    default: return `"${token.value}"`
  }
}

/** Parses an expression into its syntax tree; throws ExpressionSyntaxError with the offset. */
export function parseExpression (source: string): ExpressionNode {
  if (source.trim().length === 0) throw new ExpressionSyntaxError('empty expression', 0)
  return new Parser(tokenize(source)).parse()
}
