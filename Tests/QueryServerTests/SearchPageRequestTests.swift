import HummingbirdCore
@testable import QueryServer
import Testing

/// The page's preload must name the request its script makes, or the browser asks twice.
@Suite struct SearchPageRequestTests {
    @Test(arguments: [
        (
            "/?q=taxi%20driver&country=DE",
            "/v1/search?q=taxi+driver&country=DE&limit=20&facets=genre%2Ckind%2Cservice%2Cmonetization%2Ccountry"
        ),
        // Trimmed; a select keeps only what it offers, a number field only a number.
        (
            "/?q=%20caf%C3%A9%2C%20noir%20&mode=hybrid&kind=movie&year_from=19x0&year_to=1999",
            "/v1/search?q=caf%C3%A9%2C+noir&kind=movie&year_to=1999&limit=20&facets=genre%2Ckind%2Cservice%2Cmonetization%2Ccountry"
        ),
        // Line breaks are gone from a text field; `*-._` stay as they are; quotes are encoded.
        (
            "/?q=a%0Ab&service=x*-._%22%3C",
            "/v1/search?q=ab&service=x*-._%22%3C&limit=20&facets=genre%2Ckind%2Cservice%2Cmonetization%2Ccountry"
        ),
        ("/", "/v1/search?limit=20&facets=genre%2Ckind%2Cservice%2Cmonetization%2Ccountry"),
    ])
    func theFirstSearchIsWrittenAsTheScriptWritesIt(page: String, search: String) {
        #expect(SearchPage.firstSearch(URI(page)) == search)
    }
}
