" Indentation for .rit files: one level per open `{`, `[` or `(`; a line that
" starts with a closing bracket goes back one level.
if exists('b:did_indent')
  finish
endif
let b:did_indent = 1

setlocal indentexpr=RitIndent(v:lnum)
setlocal indentkeys=0{,0},0),0],!^F,o,O,e
setlocal autoindent

let b:undo_indent = 'setlocal indentexpr< indentkeys< autoindent<'

if exists('*RitIndent')
  finish
endif

" The brackets a line opens minus those it closes, outside strings and comments.
function! s:RitBalance(line) abort
  let l:line = substitute(a:line, '\\.', '', 'g')
  let l:line = substitute(l:line, '"[^"]*"', '""', 'g')
  let l:line = substitute(l:line, '#.*$', '', '')
  let l:open = len(substitute(l:line, '[^{[(]', '', 'g'))
  let l:close = len(substitute(l:line, '[^}\])]', '', 'g'))
  return l:open - l:close
endfunction

function! RitIndent(lnum) abort
  let l:previous = prevnonblank(a:lnum - 1)
  if l:previous == 0
    return 0
  endif
  let l:indent = indent(l:previous)
  let l:previous_line = getline(l:previous)
  " A line that starts by closing does not count its closing twice.
  let l:balance = s:RitBalance(l:previous_line)
  if l:previous_line =~# '^\s*[}\])]'
    let l:balance += 1
  endif
  if l:balance > 0
    let l:indent += shiftwidth()
  elseif l:balance < 0
    let l:indent -= shiftwidth() * (-l:balance)
    let l:indent = max([l:indent, 0])
  endif
  if getline(a:lnum) =~# '^\s*[}\])]'
    let l:indent -= shiftwidth()
  endif
  return max([l:indent, 0])
endfunction
