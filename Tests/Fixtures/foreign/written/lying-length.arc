filedesc://lying.arc 127.0.0.1 20250411000000 text/plain 74
1 0 dccorpus test
URL IP-address Archive-date Content-type Archive-length

http://example.org/first 127.0.0.1 20250411000001 text/html 658
HTTP/1.1 200 OK
Content-Type: text/html

<html><head><title>Digital China Construction Series</title></head><body><p>Digital China construction. Digital China construction. Digital China construction. Digital China construction. Digital China construction. Digital China construction. Digital China construction. Digital China construction. Digital China construction. Digital China construction. Digital China construction. Digital China construction. Digital China construction. Digital China construction. Digital China construction. Digital China construction. Digital China construction. Digital China construction. Digital China construction. Digital China construction. </p></body></html>
http://example.org/second 127.0.0.1 20250411000002 text/html 479
HTTP/1.1 200 OK
Content-Type: text/html

<html><head><title>Second capture</title></head><body><p>A second page about data resources. A second page about data resources. A second page about data resources. A second page about data resources. A second page about data resources. A second page about data resources. A second page about data resources. A second page about data resources. A second page about data resources. A second page about data resources. </p></body></html>
