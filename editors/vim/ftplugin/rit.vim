" Buffer settings for .rit files.
if exists('b:did_ftplugin')
  finish
endif
let b:did_ftplugin = 1

setlocal commentstring=#\ %s
setlocal comments=:#
setlocal formatoptions-=t formatoptions+=croql
setlocal expandtab shiftwidth=2 softtabstop=2
setlocal iskeyword=@,48-57,_
setlocal suffixesadd=.rit
if executable('ritc')
  " :make checks the current file; errors land in the quickfix list.
  setlocal makeprg=ritc\ check\ --format\ github\ %
  setlocal errorformat=::%trror\ file=%f\\,line=%l\\,col=%c%.%#::%m,::%tarning\ file=%f\\,line=%l\\,col=%c%.%#::%m
endif

let b:undo_ftplugin = 'setlocal commentstring< comments< formatoptions< expandtab< shiftwidth< softtabstop< iskeyword< suffixesadd< makeprg< errorformat<'
