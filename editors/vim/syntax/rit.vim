" Vim syntax file
" Language: rit (runtime integration checks, run by ritc)
" Keywords: the `keyword` rule of grammar/rit.pest
" (tests/editors.rs checks that every keyword is listed here).

if exists('b:current_syntax')
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

" Declarations and items.
syn keyword ritDeclaration let param secret fn service import as suite
syn keyword ritStructure setup teardown test checkpoint stage on failure stop continue warn start defaults
" Statements and control.
syn keyword ritStatement expect return skip
syn keyword ritConditional if else
syn keyword ritRepeat for eventually retry within every
" Steps and their parts.
syn keyword ritStep run sql ws send receive close redis load nats mqtt amqp
syn keyword ritMethod GET POST PUT PATCH DELETE HEAD OPTIONS
" HTTP step clauses that are no keywords (names elsewhere: `let key = …`).
syn keyword ritContextual user delay max version proxy resolve connect path limit sigv4 cacert cert key netrc graphql variables
" `amqp` step clauses, no keywords either.
syn keyword ritContextual exchange properties session
" The operation words of the broker steps (`nats publish …`), no keywords either.
syn keyword ritContextual publish request subscribe silent consume
syn keyword ritClause headers query json form multipart body follow redirects insecure env cwd stdin jetstream until qos retain persistent mandatory
syn keyword ritClause timeout tags concurrency requests duration rate per ramp warmup check abort stages
syn keyword ritClause ready tcp log http
" Keywords only in their forms: `receive until`, `ramp from … to … over`, `abort when … after`, `D at N`.
syn keyword ritContextual until from to over when after at
" Operators that are words.
syn keyword ritOperatorWord is exists contains matches conforms and or not in
" Two-word operators; neither word is reserved alone.
syn match ritOperatorWord "\<\(starts\|ends\)[ \t]\+with\>"
syn keyword ritBoolean true false
syn keyword ritNull null
syn match ritIsType "\(\<is\s\+\)\@<=\(string\|int\|float\|number\|bool\|null\|object\|array\|iso_date\|empty\|collection\)\>"

" Functions.
syn match ritFunctionName "\(\<fn\s\+\)\@<=[A-Za-z_][A-Za-z0-9_]*"
syn match ritBuiltin "\<\(len\|lower\|upper\|trim\|replace\|keys\|sort\|join\|int\|float\|string\|json\|env\|uuid\|now\|temp_dir\|base64\|hex\|hmac_sha256\|hmac_sha1\|file\|read\|schema\|database\|redis\|nats\|mqtt\|amqp\|logs\)\ze\s*("

" Numbers: plain, and with a unit directly after (durations, sizes, percentages).
syn match ritNumber "\<\d\+\(\.\d\+\)\=\>"
syn match ritBadUnit "\<\d\+\(\.\d\+\)\=[A-Za-z_][A-Za-z0-9_]*\>"
syn match ritDuration "\<\d\+\(\.\d\+\)\=\(ms\|s\|m\|h\)\>"
syn match ritSize "\<\d\+\(\.\d\+\)\=\(B\|KB\|MB\|GB\)\>"
syn match ritPercent "\<\d\+\(\.\d\+\)\=%"

syn match ritOperator "==\|!=\|<=\|>=\|??\|->\|[-+*/<>=]"

" Strings: `"…"` on one line, `"""…"""` over several; `{{ expr }}` inside either
" holds any expression, strings included.
syn match ritEscape "\\[nt\"\\{]" contained
syn match ritBadEscape "\\[^nt\"\\{]" contained
syn region ritInterpolation matchgroup=ritInterpolationDelimiter start="{{" end="}}" contained contains=TOP
syn region ritString start=+"+ skip=+\\\\\|\\"+ end=+"+ end=+$+ contains=ritEscape,ritBadEscape,ritInterpolation
syn region ritBlockString start=+"""+ end=+"""+ contains=ritEscape,ritBadEscape,ritInterpolation

" Block strings span lines: parse from the start of the file (files are short).
syn sync fromstart

syn keyword ritTodo TODO FIXME XXX NOTE contained
syn match ritComment "#.*$" contains=ritTodo

hi def link ritDeclaration Keyword
hi def link ritStructure Structure
hi def link ritStatement Statement
hi def link ritConditional Conditional
hi def link ritRepeat Repeat
hi def link ritStep Statement
hi def link ritMethod Function
hi def link ritClause Identifier
hi def link ritContextual Keyword
hi def link ritOperatorWord Operator
hi def link ritOperator Operator
hi def link ritBoolean Boolean
hi def link ritNull Constant
hi def link ritIsType Type
hi def link ritFunctionName Function
hi def link ritBuiltin Function
hi def link ritNumber Number
hi def link ritDuration Number
hi def link ritSize Number
hi def link ritPercent Number
hi def link ritBadUnit Error
hi def link ritString String
hi def link ritBlockString String
hi def link ritEscape SpecialChar
hi def link ritBadEscape Error
hi def link ritInterpolationDelimiter Delimiter
hi def link ritComment Comment
hi def link ritTodo Todo

let b:current_syntax = 'rit'

let &cpo = s:cpo_save
unlet s:cpo_save
