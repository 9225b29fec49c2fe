" .rit files: runtime integration checks run by ritc.
autocmd BufRead,BufNewFile *.rit setfiletype rit
