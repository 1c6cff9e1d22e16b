//! Reading the JUnit XML a batch writes, with the counts tests check.

/// What the JUnit file says, read with an XML parser (which also checks it is well formed).
pub struct Junit {
    pub suite_tests: usize,
    pub suite_failures: usize,
    pub testcases: usize,
    pub failure_messages: Vec<String>,
}

pub fn parse_junit(xml: &str) -> Junit {
    use quick_xml::XmlVersion;
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut junit = Junit {
        suite_tests: 0,
        suite_failures: 0,
        testcases: 0,
        failure_messages: Vec::new(),
    };
    loop {
        let event = reader.read_event().unwrap();
        let element = match &event {
            Event::Start(e) | Event::Empty(e) => e.clone(),
            Event::Eof => break,
            _ => continue,
        };
        let attr = |name: &str| -> Option<String> {
            element
                .attributes()
                .map(|a| a.unwrap())
                .find(|a| a.key.as_ref() == name.as_bytes())
                .map(|a| {
                    a.normalized_value(XmlVersion::Explicit1_0)
                        .unwrap()
                        .into_owned()
                })
        };
        match element.name().as_ref() {
            b"testsuite" => {
                junit.suite_tests = attr("tests").unwrap().parse().unwrap();
                junit.suite_failures = attr("failures").unwrap().parse().unwrap();
            }
            b"testcase" => junit.testcases += 1,
            b"failure" => junit.failure_messages.push(attr("message").unwrap()),
            _ => {}
        }
    }
    junit
}
